import { z } from 'zod';
import { idString } from '../../domain/text.js';

/** A Unity Catalog permission change with at least one privilege removed (audit `updatePermissions`). */
export const grantChangeObservationSchema = z.object({
  workspaceId: idString,
  eventId: z.string().min(1).max(256),
  at: z.number().int().nonnegative(),
  /** Who made the change (`user_identity.email`). */
  actor: z.string().max(512).optional(),
  securableType: z.string().max(128).optional(),
  /** `securable_full_name`, e.g. `main.finance.orders`. */
  securable: z.string().min(1).max(512),
  principal: z.string().min(1).max(512),
  removed: z.array(z.string().max(128)).max(100),
  added: z.array(z.string().max(128)).max(100).default([]),
});
export type GrantChangeObservation = z.output<typeof grantChangeObservationSchema>;

const changesSchema = z
  .array(
    z.looseObject({
      principal: z.string(),
      add: z.array(z.string()).optional(),
      remove: z.array(z.string()).optional(),
    }),
  )
  .max(1_000);

/** The longest `request_params.changes` read; a real change list is a few hundred bytes. */
const CHANGES_MAX_CHARS = 1_000_000;

export type PermissionChanges =
  | { readonly ok: true; readonly changes: { principal: string; add: string[]; remove: string[] }[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses audit `request_params.changes` (a JSON string). Anything unreadable is a refusal with the reason,
 * for the poll's `rejected` list: a change dbxops could not read must not vanish without a trace.
 */
export function parsePermissionChanges(text: string | undefined): PermissionChanges {
  if (text === undefined) return { ok: false, reason: 'request_params.changes: missing' };
  if (text.length > CHANGES_MAX_CHARS)
    return { ok: false, reason: `request_params.changes: longer than ${CHANGES_MAX_CHARS} characters` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'request_params.changes: not JSON' };
  }
  const parsed = changesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = ['request_params.changes', ...(issue?.path.map(String) ?? [])].join('.');
    return { ok: false, reason: `${at}: ${issue?.message ?? 'invalid'}` };
  }
  return {
    ok: true,
    changes: parsed.data.map((c) => ({ principal: c.principal, add: c.add ?? [], remove: c.remove ?? [] })),
  };
}
