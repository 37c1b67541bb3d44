import { makeSignal, type Signal, type SignalDraft } from '../../domain/signal.js';

/** Every detector reports under this source; dedup keys start with the workspace id. */
const DETECTOR_SOURCE = 'detector';

/** A subject a detector could not judge, and why; the loop logs it and carries on. */
export interface SkippedSubject {
  readonly subject: string;
  readonly reason: string;
}

/** What one detector pass found. Signals are validated and carry their deterministic id. */
export interface DetectorOutput {
  readonly signals: Signal[];
  readonly skipped: SkippedSubject[];
}

/** Accumulates one pass's output; `emit` validates, and duplicates (same id) collapse. */
export class DetectorSink {
  readonly #signals = new Map<string, Signal>();
  readonly #skipped: SkippedSubject[] = [];

  emit(subject: string, draft: Omit<SignalDraft, 'source'>): void {
    const made = makeSignal({ ...draft, source: DETECTOR_SOURCE });
    if (made.ok) {
      if (!this.#signals.has(made.value.id)) this.#signals.set(made.value.id, made.value);
    } else this.skip(subject, made.userMessage);
  }

  skip(subject: string, reason: string): void {
    this.#skipped.push({ subject, reason });
  }

  /**
   * Runs `body` for one subject; a throw (odd data the detector did not expect) skips that subject only,
   * and signals it emitted before throwing are discarded so a half-judged subject reports nothing.
   */
  guard(subject: string, body: () => void): void {
    const before = new Set(this.#signals.keys());
    try {
      body();
    } catch (e) {
      for (const id of [...this.#signals.keys()]) if (!before.has(id)) this.#signals.delete(id);
      this.skip(subject, e instanceof Error ? e.message : String(e));
    }
  }

  output(): DetectorOutput {
    return { signals: [...this.#signals.values()], skipped: [...this.#skipped] };
  }
}

/** Merges several detectors' outputs (the loop runs them all on one tick). */
export function mergeOutputs(...outputs: readonly DetectorOutput[]): DetectorOutput {
  const signals = new Map<string, Signal>();
  for (const o of outputs) for (const s of o.signals) if (!signals.has(s.id)) signals.set(s.id, s);
  return { signals: [...signals.values()], skipped: outputs.flatMap((o) => o.skipped) };
}
