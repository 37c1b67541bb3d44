import type { Policy } from '../config/policy.js';
import type { Actor } from './chat-request.js';

/**
 * True when the actor may act on incidents: `access.responders` lists chat user ids or emails, and
 * `'*'` lets everyone in. Emails compare case-insensitively; user ids exactly.
 */
export function isResponder(policy: Pick<Policy, 'access'>, actor: Pick<Actor, 'userId' | 'email'>): boolean {
  const email = actor.email?.toLowerCase();
  return policy.access.responders.some(
    (entry) =>
      entry === '*' || entry === actor.userId || (email !== undefined && entry.toLowerCase() === email),
  );
}

/** What a person without the responder role is told. */
export const FORBIDDEN_MESSAGE =
  "You don't have the responder role, so you can't change incidents. Ask an admin to add you to access.responders in dbxops.yaml.";
