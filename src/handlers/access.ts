import type { Policy } from '../config/policy.js';
import type { Actor } from './chat-request.js';

/**
 * True when the actor may act on incidents: `access.responders` lists chat user ids or emails, and
 * `'*'` lets everyone in. Emails compare case-insensitively, and only one the platform vouches for
 * (`emailVerified`) counts: an unconfirmed Slack address could be anyone's. User ids compare exactly.
 */
export function isResponder(
  policy: Pick<Policy, 'access'>,
  actor: Pick<Actor, 'userId' | 'email' | 'emailVerified'>,
): boolean {
  const email = actor.emailVerified === true ? actor.email?.toLowerCase() : undefined;
  return policy.access.responders.some(
    (entry) =>
      entry === '*' || entry === actor.userId || (email !== undefined && entry.toLowerCase() === email),
  );
}

/** What a person without the responder role is told. */
export const FORBIDDEN_MESSAGE =
  "You don't have the responder role, so you can't change incidents. Ask an admin to add you to access.responders in dbxops.yaml.";
