import type { SecondOpinion } from '../agents/classifier/classify-error.js';
import { createModelSecondOpinion } from '../agents/classifier/model-second-opinion.js';
import type { Env } from '../config/env.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import { chatModelFromEnv } from '../llm/chat-model.js';
import { TokenBudget } from '../llm/token-budget.js';

/**
 * The classifier's second opinion as the monitoring pipeline uses it: the language model configured by
 * `OPENAI_API_KEY` and `DBXOPS_LLM_MODEL`, bounded like the analyst's by the policy's
 * `ask.daily_token_budget` (a budget of its own, so failures cannot spend the questions' day) and
 * `ask.llm_timeout_seconds`. None when no model is configured or the budget is 0.
 */
export function secondOpinionFor(
  env: Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'DBXOPS_LLM_MODEL'>,
  policy: Pick<Policy, 'ask'>,
  wallClock: Clock,
): SecondOpinion | undefined {
  if (policy.ask.daily_token_budget <= 0) return undefined;
  const model = chatModelFromEnv(env);
  if (model === undefined) return undefined;
  return createModelSecondOpinion({
    model,
    budget: new TokenBudget(policy.ask.daily_token_budget, wallClock),
    timeoutMs: policy.ask.llm_timeout_seconds * 1000,
  });
}
