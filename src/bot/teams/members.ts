import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import type { BotConnectorClient } from './connector-client.js';
import { baseConversationId } from './ids.js';
import type { Activity } from './translate.js';

/** What Teams tells about a person beyond the activity: the e-mail Microsoft Entra ID holds for them. */
export interface TeamsMemberInfo {
  readonly email?: string;
  /** Entra ID issued the address, so it is the person's own (docs/remediation-rights.md). */
  readonly emailVerified?: boolean;
}

// A TeamsChannelAccount, as the Bot Connector's member lookup answers it.
const memberSchema = z.looseObject({
  id: z.string().max(256),
  name: z.string().max(256).optional(),
  aadObjectId: z.string().max(128).optional(),
  email: z.string().max(320).optional(),
  userPrincipalName: z.string().max(320).optional(),
});

const ADDRESS = /^[^\s@"\\]+@[^\s@"\\]+$/;
const TTL_MS = 60 * 60 * 1000;
/** A failed lookup is not repeated for this long: the invoke it delays has about five seconds in all. */
const FAILURE_TTL_MS = 5 * 60 * 1000;
const LOOKUP_TIMEOUT_MS = 2_000;
const MAX_ENTRIES = 10_000;

/**
 * E-mails of Teams users, from the Bot Connector's member lookup (cached for an hour): activities carry
 * only ids. The mail attribute wins; a user without one has their UPN, which is what Entra ID
 * provisions into Databricks as the user name by default. A lookup that fails (or takes over 2 s)
 * returns nothing rather than failing the request, and is not repeated for five minutes: the Entra
 * object id alone still identifies the person.
 */
export class TeamsMemberDirectory {
  readonly #connector: BotConnectorClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cache = new Map<string, { info: TeamsMemberInfo; expires: number }>();

  constructor(connector: BotConnectorClient, clock: Clock, logger: Logger) {
    this.#connector = connector;
    this.#clock = clock;
    this.#logger = logger;
  }

  async lookup(activity: Pick<Activity, 'serviceUrl' | 'from' | 'conversation'>): Promise<TeamsMemberInfo> {
    const key = activity.from.aadObjectId ?? activity.from.id;
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expires > now) return cached.info;
    try {
      const raw = await this.#connector.getMember(
        activity.serviceUrl,
        baseConversationId(activity.conversation.id),
        activity.from.id,
        { timeoutMs: LOOKUP_TIMEOUT_MS },
      );
      const member = memberSchema.parse(raw);
      // Only the person who sent the activity: a member answer for someone else is not theirs.
      const same =
        activity.from.aadObjectId === undefined ||
        member.aadObjectId === undefined ||
        member.aadObjectId.toLowerCase() === activity.from.aadObjectId.toLowerCase();
      const address = [member.email, member.userPrincipalName].find(
        (a) => a !== undefined && ADDRESS.test(a.trim()),
      );
      const info: TeamsMemberInfo =
        same && address !== undefined ? { email: address.trim(), emailVerified: true } : {};
      return this.#remember(key, info, now + TTL_MS);
    } catch (error) {
      this.#logger.warn({ err: error }, 'Teams member lookup failed; continuing with the user id only');
      return this.#remember(key, {}, now + FAILURE_TTL_MS);
    }
  }

  #remember(key: string, info: TeamsMemberInfo, expires: number): TeamsMemberInfo {
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(key, { info, expires });
    return info;
  }
}
