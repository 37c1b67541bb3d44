import type { Signal } from '../../domain/signal.js';
import {
  type Classification,
  reconsider,
  SECOND_OPINION_RULE,
  type SecondOpinion,
  wantsSecondOpinion,
} from './classify-error.js';

/**
 * A detected failure whose classification the rules left `unknown` or only guessed at, with the second
 * opinion's label in its place when it gave a valid one (rule `second_opinion`, shown on the card as the
 * model's). Any other signal, or any failure to get an opinion, comes back unchanged.
 */
export async function reconsiderSignal(signal: Signal, secondOpinion: SecondOpinion): Promise<Signal> {
  const c = signal.classification;
  const error = signal.error;
  if (c === undefined || error === undefined) return signal;
  const first: Classification = {
    category: c.category,
    transient: c.transient,
    action: c.action ?? (c.transient ? 'RETRY' : 'ESCALATE'),
    paramsHint: null,
    fixHint: c.fixHint ?? '',
    rule: c.rule,
    // Stored before confidence was recorded: only a given-up answer is worth asking about.
    confidence: c.confidence ?? (c.category === 'unknown' ? 0 : 1),
  };
  if (!wantsSecondOpinion(first)) return signal;
  const second = await reconsider(
    {
      message: error.message,
      ...(error.errorCode === undefined ? {} : { errorCode: error.errorCode }),
      ...(error.errorClass === undefined ? {} : { errorClass: error.errorClass }),
      ...(error.terminationCode === undefined ? {} : { terminationCode: error.terminationCode }),
    },
    first,
    secondOpinion,
  );
  if (second.rule !== SECOND_OPINION_RULE) return signal;
  return {
    ...signal,
    classification: {
      category: second.category,
      transient: second.transient,
      action: second.action,
      paramsHint: second.paramsHint,
      ...(second.fixHint === '' ? {} : { fixHint: second.fixHint.slice(0, 1_024) }),
      rule: second.rule,
      confidence: second.confidence,
    },
  };
}
