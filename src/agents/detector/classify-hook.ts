import type { z } from 'zod';
import type { signalClassificationSchema } from '../../domain/signal.js';

/** What a detector knows about one error; the shape `classifyError` in `agents/classifier` accepts. */
export interface ClassifyRequest {
  message: string;
  errorCode?: string;
  errorClass?: string;
  terminationCode?: string;
  trace?: string;
}

/**
 * The classifier, injected so detectors stay pure and testable; pass `classifyError` in production.
 * Its result lands on the signal as `classification`.
 */
export type ClassifyFn = (request: ClassifyRequest) => z.input<typeof signalClassificationSchema>;

/** Spark error classes lead the message in brackets: `[TABLE_OR_VIEW_NOT_FOUND] The table …`. */
export function errorClassOf(message: string): string | undefined {
  return /^\s*\[([A-Z][A-Z0-9_.]{2,127})\]/.exec(message)?.[1];
}

/** Calls the classifier without letting its failure cost the signal: no classification beats no signal. */
export function classifySafely(
  classify: ClassifyFn | undefined,
  request: ClassifyRequest,
): z.input<typeof signalClassificationSchema> | undefined {
  if (classify === undefined) return undefined;
  try {
    const c = classify(request);
    return {
      category: c.category,
      transient: c.transient,
      rule: c.rule,
      ...(c.action !== undefined ? { action: c.action } : {}),
      ...(c.paramsHint !== undefined ? { paramsHint: c.paramsHint } : {}),
      ...(c.fixHint !== undefined ? { fixHint: c.fixHint } : {}),
      ...(c.confidence !== undefined ? { confidence: c.confidence } : {}),
    };
  } catch {
    return undefined;
  }
}
