import { createHash } from 'node:crypto';
import type { Signal } from '../domain/signal.js';
import type { SignalOutboxRepository } from '../store/signal-outbox-repository.js';
import { DUPLICATE_KEY_WINDOW_MS, type Dispatcher, PermanentJobError } from './dispatcher.js';

/** What the `signal` queue carries: one signal, or all of a poll's or a webhook batch's. */
export type SignalPayload =
  | { signal: Signal; detectedAt: number }
  | { signals: readonly Signal[]; detectedAt: number };

export type SignalQueue = { signal: SignalPayload };

/** The ids of a payload's signals as queued (it crossed Redis: read without trusting its shape). */
function signalIds(payload: unknown): string[] | undefined {
  const p = payload as { signal?: { id?: unknown }; signals?: readonly { id?: unknown }[] } | null;
  const list = p?.signal !== undefined ? [p.signal] : Array.isArray(p?.signals) ? p.signals : undefined;
  const ids = list?.map((s) => s?.id);
  return ids?.every((id): id is string => typeof id === 'string') ? ids : undefined;
}

/** The queue key of a payload: the same signals queued twice are one job. */
export function jobKeyOf(payload: SignalPayload): string {
  return 'signal' in payload
    ? `signal:${payload.signal.id}`
    : `signals:${payload.signals.map((s) => s.id).join(',')}`;
}

/** The outbox row of a payload: its job key, hashed (a batch's key can run to kilobytes). */
function outboxKeyOf(payload: unknown): string | undefined {
  // Only a payload whose ids are all strings has the key it was queued under.
  const ids = signalIds(payload);
  if (ids === undefined || ids.length === 0) return undefined;
  return createHash('sha256')
    .update(jobKeyOf(payload as SignalPayload))
    .digest('hex');
}

/**
 * The signal jobs this process queued lately (their outbox keys), for `DUPLICATE_KEY_WINDOW_MS` after
 * each was queued. The queue drops a job queued again within that window after the first one *ran*
 * (never sooner than it was queued), so one remembered here would be dropped there: it is not written
 * to the outbox again either. Detectors that judge a window again hand out the same signals poll after
 * poll; each was an outbox insert, and once the first job had been correlated and its row removed, a
 * row that no job would ever remove.
 */
export class RecentSignalJobs {
  /** Outbox key → when it was queued (the caller's wall clock), oldest first. */
  readonly #queuedAt = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs = DUPLICATE_KEY_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** True when `key` was queued within the window before `now`; otherwise remembers it as queued now. */
  queuedAgain(key: string, now: number): boolean {
    for (const [old, at] of this.#queuedAt) {
      if (at > now - this.#windowMs) break;
      this.#queuedAt.delete(old);
    }
    if (this.#queuedAt.has(key)) return true;
    this.#queuedAt.set(key, now);
    return false;
  }
}

/**
 * Queues signals for correlation, kept in the outbox first: once this returns, the caller may move its
 * watermark past them, whatever then happens to Redis. The same signals this process queued within the
 * queue's duplicate window are neither kept nor queued again (`RecentSignalJobs`).
 */
export async function queueSignals(
  deps: {
    outbox: SignalOutboxRepository;
    dispatcher: Dispatcher<SignalQueue>;
    wallClock: { now(): number };
    recent: RecentSignalJobs;
  },
  workspaceId: string,
  signals: readonly Signal[],
): Promise<void> {
  const detectedAt = deps.wallClock.now();
  const [only] = signals;
  if (only === undefined) return;
  const payload: SignalPayload =
    signals.length === 1 ? { signal: only, detectedAt } : { signals, detectedAt };
  const key = outboxKeyOf(payload)!;
  if (deps.recent.queuedAgain(key, detectedAt)) return;
  await deps.outbox.put({ key, workspaceId, payload, queuedAt: detectedAt });
  await deps.dispatcher.dispatch('signal', payload, { key: jobKeyOf(payload) });
}

/**
 * The `signal` processor, then the payload's outbox row removed: once its signals are correlated, or
 * when they never can be (not signals at all). A job that fails and is retried keeps its row.
 */
export function removingFromOutbox(
  outbox: SignalOutboxRepository,
  processor: (payload: SignalPayload) => Promise<void>,
): (payload: SignalPayload) => Promise<void> {
  return async (payload) => {
    const key = outboxKeyOf(payload);
    try {
      await processor(payload);
    } catch (error) {
      if (error instanceof PermanentJobError && key !== undefined) await outbox.remove(key);
      throw error;
    }
    if (key !== undefined) await outbox.remove(key);
  };
}
