import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../config/logger.js';
import type { Clock } from '../../domain/clock.js';
import type { DetectorStateEntry, DetectorStateRepository } from '../../store/detector-state-repository.js';
import { DETECTION_PARTS, type Detection, type DetectionPart } from './detection.js';

/**
 * A workspace's `Detection` kept in the store between polls (`detector_state`, next to the watermarks):
 * each judgement holds the workspace's detector-state lock, first takes in what other processes saved
 * since this one last looked (all of it after a restart), judges, and saves the entries it changed. So
 * any worker may run any poll, one after another, and a restart forgets no baseline, streak or cost
 * history while the watermark skips the runs that built them. A process alone reads nothing back: what
 * it remembers is what it saved.
 */
export class StoredDetection {
  readonly #detection: Detection;
  readonly #repository: Pick<DetectorStateRepository, 'locked'>;
  readonly #workspaceId: string;
  readonly #wallClock: Clock;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  /** The newest save this process has taken in. */
  #seq = 0;
  /** Per part, each entry as last saved or taken in: what a judgement changed is what differs. */
  readonly #stored = new Map<DetectionPart, Map<string, unknown>>(DETECTION_PARTS.map((p) => [p, new Map()]));

  constructor(options: {
    detection: Detection;
    repository: Pick<DetectorStateRepository, 'locked'>;
    workspaceId: string;
    /** When entries were saved (`updated_at`). */
    wallClock: Clock;
    logger?: Pick<Logger, 'warn'>;
  }) {
    this.#detection = options.detection;
    this.#repository = options.repository;
    this.#workspaceId = options.workspaceId;
    this.#wallClock = options.wallClock;
    this.#logger = options.logger;
  }

  /** Runs one judgement of the detection (a poll's), on the state every process has saved. */
  judge<T>(judgement: (detection: Detection) => T): Promise<T> {
    return this.#repository.locked(this.#workspaceId, async (scope) => {
      const saved = await scope.since(this.#seq);
      this.#takeIn(saved.entries);
      const result = judgement(this.#detection);
      const changed = this.#changes();
      if (changed.length > 0) await scope.save(saved.seq + 1, changed, this.#wallClock.now());
      // Marked only once saved: a save that failed is tried again with the next judgement.
      for (const e of changed) {
        const stored = this.#stored.get(e.part)!;
        if (e.value === undefined) stored.delete(e.key);
        else stored.set(e.key, e.value);
      }
      this.#seq = changed.length > 0 ? saved.seq + 1 : saved.seq;
      return result;
    });
  }

  #takeIn(entries: readonly DetectorStateEntry[]): void {
    const byPart = new Map<DetectionPart, [string, unknown][]>();
    for (const e of entries) {
      const part = DETECTION_PARTS.find((p) => p === e.part);
      // A part this version does not know (written by a newer one) is left alone.
      if (part === undefined) continue;
      byPart.set(part, [...(byPart.get(part) ?? []), [e.key, e.value]]);
    }
    for (const [part, list] of byPart) {
      const skipped = this.#detection.restore(part, list);
      if (skipped > 0)
        this.#logger?.warn({ part, skipped }, 'stored detector state that is not one was skipped');
      // What is now held is what is stored: only later changes are saved again.
      const stored = this.#stored.get(part)!;
      const now = new Map(this.#detection.entries(part));
      for (const [key] of list) {
        if (now.has(key)) stored.set(key, now.get(key));
        else stored.delete(key);
      }
    }
  }

  /**
   * The entries changed since last saved or taken in; a forgotten one has no value. A value rebuilt with
   * the same content is not a change: the runs poll hands the detection a new list of the runs in flight
   * every minute, most often the same runs as the minute before, and each was a save.
   */
  #changes(): (DetectorStateEntry & { readonly part: DetectionPart })[] {
    const out: (DetectorStateEntry & { readonly part: DetectionPart })[] = [];
    for (const part of DETECTION_PARTS) {
      const stored = this.#stored.get(part)!;
      const seen = new Set<string>();
      for (const [key, value] of this.#detection.entries(part)) {
        seen.add(key);
        const before = stored.get(key);
        if (!stored.has(key) || (before !== value && !isDeepStrictEqual(before, value)))
          out.push({ part, key, value });
      }
      for (const key of stored.keys()) if (!seen.has(key)) out.push({ part, key, value: undefined });
    }
    return out;
  }
}
