import type { Policy } from '../../config/policy.js';
import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { ScimApi, ScimUser } from '../../databricks/rest/scim-api.js';
import { err, ok, type Result } from '../../domain/result.js';
import { oneLine } from '../../domain/text.js';

/** The person behind a chat request, as far as the workspace cares (a handler `Actor` fits). */
export interface ChatIdentity {
  readonly surface: 'slack' | 'teams' | 'console';
  /** Slack user id, Teams Entra object id, console user name. */
  readonly userId: string;
  readonly email?: string | undefined;
  /** True only when the platform vouches that the e-mail is this person's (see docs/remediation-rights.md). */
  readonly emailVerified?: boolean | undefined;
}

/** A Databricks user a chat user acts as. Compare people by `userName`, never by chat handle. */
export interface WorkspacePrincipal {
  /** SCIM `userName`, the name ACLs use as `user_name`. */
  readonly userName: string;
  readonly scimId: string;
  readonly displayName?: string | undefined;
  /** Group names (`group_name` in ACLs), the built-in `users` group included. */
  readonly groups: readonly string[];
  /** How the chat user was matched: an explicit `principals` entry, or their confirmed e-mail. */
  readonly via: 'policy' | 'verified_email';
}

export type PrincipalRefusal =
  | 'unmapped'
  | 'unknown_principal'
  | 'ambiguous_principal'
  | 'inactive_principal'
  | 'rights_unavailable';

/** What resolving needs: the policy's map and the workspace's SCIM users. */
export interface PrincipalDeps {
  readonly policy: Pick<Policy, 'principals'>;
  readonly scim: ScimApi;
}

const PLAIN_EMAIL = /^[^\s@"\\]+@[^\s@"\\]+$/;
/** Every workspace user is in `users`; SCIM does not always list it, and ACLs grant to it. */
const ALL_USERS_GROUP = 'users';

/** A name from chat, a policy or Databricks as a refusal quotes it: storable, one line, short. */
export function quoted(name: string): string {
  return oneLine(name, 120);
}

function mapHint(identity: ChatIdentity): string {
  return `principals.${identity.surface}: { ${JSON.stringify(quoted(identity.userId))}: you@example.com }`;
}

/** Why dbxops cannot reach Databricks to check, in words a presser can act on. */
export function unavailableMessage(error: unknown): string {
  if (error instanceof DatabricksApiError) {
    const status = error.status === 0 ? ` (${error.reason})` : ` (HTTP ${error.status})`;
    return `Databricks did not answer the rights check${status}: ${quoted(error.message)}. Nothing was done; try again in a minute.`;
  }
  return 'Databricks could not be asked about your rights. Nothing was done; try again in a minute.';
}

/**
 * The Databricks user a chat user acts as. An explicit `principals.<surface>` entry wins; otherwise the
 * e-mail the platform confirmed is looked up as a SCIM `userName`, then as an e-mail. An unconfirmed
 * e-mail is never trusted: anyone can type any address into a Slack profile. Nothing matched, two
 * users matched, or a deactivated user: refused, saying how to fix it. Databricks failing (after the
 * transport's retries): refused too — no answer is never a yes.
 */
export async function resolvePrincipal(
  identity: ChatIdentity,
  deps: PrincipalDeps,
): Promise<Result<WorkspacePrincipal, PrincipalRefusal>> {
  const mapped = deps.policy.principals[identity.surface][identity.userId];
  let name: string;
  let via: WorkspacePrincipal['via'];
  if (mapped !== undefined) {
    name = mapped;
    via = 'policy';
  } else if (
    identity.email !== undefined &&
    identity.emailVerified === true &&
    identity.email.length <= 320 &&
    PLAIN_EMAIL.test(identity.email)
  ) {
    name = identity.email.trim();
    via = 'verified_email';
  } else {
    const why =
      identity.email === undefined
        ? `your ${identity.surface} account shares no e-mail with dbxops`
        : identity.emailVerified === true
          ? `your ${identity.surface} e-mail is not a plain address`
          : `your ${identity.surface} e-mail is not confirmed`;
    return err(
      'unmapped',
      `dbxops can't tell which Databricks user you are: ${why}. An admin can map you in dbxops.yaml under ${mapHint(identity)}.`,
      { surface: identity.surface },
    );
  }

  let found: ScimUser[];
  try {
    found = await deps.scim.findUsers('userName', name);
    if (found.length === 0 && via === 'verified_email') found = await deps.scim.findUsers('emails', name);
  } catch (error) {
    if (error instanceof DatabricksApiError) return err('rights_unavailable', unavailableMessage(error));
    throw error;
  }
  // The filter is Databricks' to apply, the match is ours to check: a server that ignored the filter
  // must not hand a press to whichever user came back.
  const wanted = name.toLowerCase();
  const matches = found.filter(
    (u) =>
      u.userName.toLowerCase() === wanted ||
      (via === 'verified_email' && u.emails.some((e) => e.value.toLowerCase() === wanted)),
  );
  const source = via === 'policy' ? `dbxops.yaml maps you to ${quoted(name)}` : `your e-mail ${quoted(name)}`;
  if (matches.length === 0)
    return err(
      'unknown_principal',
      `${source}, but the Databricks workspace has no such user. An admin can add you to the workspace or map you in dbxops.yaml under ${mapHint(identity)}.`,
    );
  if (matches.length > 1)
    return err(
      'ambiguous_principal',
      `${source} matches ${matches.length} Databricks users. An admin can map you to one in dbxops.yaml under ${mapHint(identity)}.`,
    );
  const user = matches[0] as ScimUser;
  if (!user.active)
    return err('inactive_principal', `Your Databricks user ${quoted(user.userName)} is deactivated.`);
  const groups = new Set(user.groups.flatMap((g) => (g.display === undefined ? [] : [g.display])));
  groups.add(ALL_USERS_GROUP);
  return ok({
    userName: user.userName,
    scimId: user.id,
    ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
    groups: [...groups],
    via,
  });
}
