import type { Env } from '../config/env.js';
import type { Policy } from '../config/policy.js';
import { systemClock } from '../domain/clock.js';
import { openStore, type Store } from '../store/open-store.js';
import { TokenUsageRepository } from '../store/token-usage-repository.js';
import { type LanguageModel, languageModelFor } from './analyst-setup.js';

/** The language model a one-shot command (`dbxops ask`, `dbxops classify`) may use, and how to let go of it. */
export interface CommandLanguageModel {
  readonly language: LanguageModel | undefined;
  close(): Promise<void>;
}

/**
 * The configured model for a command that runs once: its daily budget is the deployment's
 * (`DATABASE_URL`), else this run's own. Without a model no store is opened, so commands that need
 * none start as fast as before.
 */
export async function openCommandLanguageModel(
  env: Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'DBXOPS_LLM_MODEL' | 'DATABASE_URL'>,
  policy: Policy,
): Promise<CommandLanguageModel> {
  const modelSet = env.OPENAI_API_KEY !== undefined && env.DBXOPS_LLM_MODEL !== undefined;
  if (!modelSet || policy.ask.daily_token_budget <= 0) return { language: undefined, close: async () => {} };
  const store: Store = await openStore(
    env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: 'memory://' },
  );
  return {
    language: languageModelFor(env, policy, systemClock, new TokenUsageRepository(store.db)),
    close: () => store.close(),
  };
}
