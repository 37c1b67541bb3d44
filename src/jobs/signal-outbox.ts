import { createHash } from 'node:crypto';
import type { Signal } from '../domain/signal.js';
import type { SignalOutboxRepository } from '../store/signal-outbox-repository.js';
import type { Dispatcher } from './dispatcher.js';
import { PermanentJobError } from './dispatcher.js';

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
 * Queues signals for correlation, kept in the outbox first: once this returns, the caller may move its
 * watermark past them, whatever then happens to Redis.
 */
export async function queueSignals(
  deps: { outbox: SignalOutboxRepository; dispatcher: Dispatcher<SignalQueue>; wallClock: { now(): number } },
  workspaceId: string,
  signals: readonly Signal[],
): Promise<void> {
  const detectedAt = deps.wallClock.now();
  const [only] = signals;
  if (only === undefined) return;
  const payload: SignalPayload =
    signals.length === 1 ? { signal: only, detectedAt } : { signals, detectedAt };
  await deps.outbox.put({ key: outboxKeyOf(payload)!, workspaceId, payload, queuedAt: detectedAt });
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
