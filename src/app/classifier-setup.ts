import type { SecondOpinion } from '../agents/classifier/classify-error.js';
import { createModelSecondOpinion } from '../agents/classifier/model-second-opinion.js';
import type { LanguageModel } from './analyst-setup.js';

/**
 * The classifier's second opinion as the monitoring pipeline uses it: the deployment's one language
 * model (see `languageModelFor`), so it spends the same daily budget as questions and explanations and
 * waits no longer than they may. None when no model is configured or the budget is 0.
 */
export function secondOpinionFor(language: LanguageModel | undefined): SecondOpinion | undefined {
  return language === undefined ? undefined : createModelSecondOpinion(language);
}
