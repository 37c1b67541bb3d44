import { type Analyst, type AnalystDeps, createAnalyst } from '../agents/analyst/analyst.js';
import { createNlToSql } from '../agents/analyst/nl-to-sql.js';
import type { Env } from '../config/env.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import { type ChatModel, chatModelFromEnv } from '../llm/chat-model.js';
import { TokenBudget, type TokenLedger } from '../llm/token-budget.js';

/** The configured model with its bounds: what NL→SQL and incident explanations both draw on. */
export interface LanguageModel {
  readonly model: ChatModel;
  /** One daily budget for every use of the model, kept in the store and shared by every process. */
  readonly budget: TokenBudget;
  readonly timeoutMs: number;
}

/**
 * The model when `OPENAI_API_KEY` and `DBXOPS_LLM_MODEL` are set and the policy's
 * `ask.daily_token_budget` is above 0; otherwise none, and dbxops works without one.
 */
export function languageModelFor(
  env: Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'DBXOPS_LLM_MODEL'>,
  policy: Policy,
  wallClock: Clock,
  ledger: TokenLedger,
): LanguageModel | undefined {
  if (policy.ask.daily_token_budget <= 0) return undefined;
  const model = chatModelFromEnv(env);
  if (model === undefined) return undefined;
  return {
    model,
    budget: new TokenBudget(policy.ask.daily_token_budget, wallClock, ledger),
    timeoutMs: policy.ask.llm_timeout_seconds * 1000,
  };
}

/**
 * The analyst as every entry point builds it (the bot's handler, `dbxops ask`): the router, and the
 * language model behind it when one is configured.
 */
export function analystFor(
  language: LanguageModel | undefined,
  deps: Omit<AnalystDeps, 'model' | 'policy'> & { readonly policy: Policy },
): Analyst {
  return createAnalyst({
    ...deps,
    model:
      language === undefined
        ? undefined
        : createNlToSql({
            ...language,
            warehouse: deps.warehouse,
            guard: {
              allowedSchemas: deps.policy.ask.schemas,
              maxRows: deps.policy.ask.max_rows,
              timeoutMs: deps.policy.ask.timeout_seconds * 1000,
            },
            clock: deps.clock,
            workspaceId: deps.workspaceId,
          }),
  });
}
