import { type Analyst, type AnalystDeps, createAnalyst } from '../agents/analyst/analyst.js';
import { createNlToSql } from '../agents/analyst/nl-to-sql.js';
import type { Env } from '../config/env.js';
import type { Policy } from '../config/policy.js';
import { chatModelFromEnv } from '../llm/chat-model.js';
import { TokenBudget } from '../llm/token-budget.js';

/**
 * The analyst as every entry point builds it (the bot's handler, `dbxops ask`): the router, and the
 * language model behind it when `OPENAI_API_KEY` and `DBXOPS_LLM_MODEL` are set and the policy's
 * `ask.daily_token_budget` is above 0.
 */
export function analystFor(
  env: Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'DBXOPS_LLM_MODEL'>,
  deps: Omit<AnalystDeps, 'model' | 'policy'> & { readonly policy: Policy },
): Analyst {
  const model = deps.policy.ask.daily_token_budget > 0 ? chatModelFromEnv(env) : undefined;
  return createAnalyst({
    ...deps,
    model:
      model === undefined
        ? undefined
        : createNlToSql({
            model,
            warehouse: deps.warehouse,
            guard: {
              allowedSchemas: deps.policy.ask.schemas,
              maxRows: deps.policy.ask.max_rows,
              timeoutMs: deps.policy.ask.timeout_seconds * 1000,
            },
            budget: new TokenBudget(deps.policy.ask.daily_token_budget, deps.wallClock),
            timeoutMs: deps.policy.ask.llm_timeout_seconds * 1000,
            clock: deps.clock,
          }),
  });
}
