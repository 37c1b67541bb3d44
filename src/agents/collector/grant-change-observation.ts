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

/** Parses audit `request_params.changes` (a JSON string); anything unreadable reads as no change. */
export function parsePermissionChanges(
  text: string | undefined,
): { principal: string; add: string[]; remove: string[] }[] {
  if (text === undefined || text.length > 1_000_000) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = changesSchema.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.map((c) => ({ principal: c.principal, add: c.add ?? [], remove: c.remove ?? [] }));
}
