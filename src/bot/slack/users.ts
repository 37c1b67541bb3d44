import type { webApi } from '@slack/bolt';
import type { Logger } from '../../config/logger.js';
import type { Clock } from '../../domain/clock.js';

export interface SlackUserInfo {
  readonly displayName?: string;
  readonly email?: string;
  /** Slack's `is_email_confirmed`: anyone can type any address into a profile until it is confirmed. */
  readonly emailVerified?: boolean;
}

const TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

/**
 * Names and emails of Slack users (`users.info`, cached for an hour), so cards say "Alice Example",
 * `access.responders` may list emails, and a confirmed e-mail names the person's Databricks user. A lookup that fails returns nothing rather than failing the
 * request: the user id alone still identifies the person.
 */
export class SlackUserDirectory {
  readonly #client: webApi.WebClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cache = new Map<string, { info: SlackUserInfo; expires: number }>();

  constructor(client: webApi.WebClient, clock: Clock, logger: Logger) {
    this.#client = client;
    this.#clock = clock;
    this.#logger = logger;
  }

  async lookup(userId: string): Promise<SlackUserInfo> {
    const now = this.#clock.now();
    const cached = this.#cache.get(userId);
    if (cached !== undefined && cached.expires > now) return cached.info;
    try {
      const res = await this.#client.users.info({ user: userId });
      const profile = res.user?.profile;
      const name = profile?.display_name || profile?.real_name || res.user?.real_name || res.user?.name;
      const info: SlackUserInfo = {
        ...(name ? { displayName: name.slice(0, 256) } : {}),
        ...(profile?.email
          ? { email: profile.email.slice(0, 320), emailVerified: res.user?.is_email_confirmed === true }
          : {}),
      };
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(userId, { info, expires: now + TTL_MS });
      return info;
    } catch (error) {
      this.#logger.warn({ err: error, userId }, 'users.info failed; continuing with the user id only');
      return {};
    }
  }
}
