import { describe, expect, it } from 'vitest';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { mergeOutputs } from '../../../src/agents/detector/detector-output.js';
import { parseObservations, runObservationSchema } from '../../../src/agents/detector/observations.js';
import { runOutcome } from '../../../src/agents/detector/run-state.js';
import { T0, WS } from './observation-factory.js';

const raw = (overrides: Record<string, unknown> = {}) => ({
  workspaceId: WS,
  jobId: 684914303928317,
  runId: '455644833361223',
  resultState: 'FAILED',
  lifeCycleState: 'TERMINATED',
  startTime: T0,
  endTime: T0 + 1_000,
  ...overrides,
});

describe('parseObservations', () => {
  it('keeps the good rows and names each bad one with its index and problem', () => {
    const result = parseObservations(runObservationSchema, [
      raw(),
      { jobId: 'x' },
      raw({ startTime: -5 }),
      'nonsense',
    ]);
    if (!result.ok) throw new Error(result.userMessage);
    expect(result.value.items).toHaveLength(1);
    expect(result.value.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(result.value.rejected[1]!.reason).toMatch(/^startTime:/);
  });

  it('answers a payload that is not a list with a clear reason', () => {
    expect(parseObservations(runObservationSchema, { runs: [] })).toMatchObject({
      ok: false,
      reason: 'not_a_list',
    });
  });

  it('carries int64 ids as strings, cleans NUL bytes and cuts megabyte error text', () => {
    const result = parseObservations(runObservationSchema, [
      raw({
        jobId: 684914303928317n,
        stateMessage: `bad\u0000${'y'.repeat(2_000_000)}`,
        workspaceId: 'ws\u0000',
      }),
    ]);
    if (!result.ok) throw new Error(result.userMessage);
    const [r] = result.value.items;
    expect(r!.jobId).toBe('684914303928317');
    expect(r!.workspaceId).toBe('ws\ufffd');
    expect(r!.stateMessage!.length).toBe(65_536);
  });

  it('refuses an oversized task list instead of working through it', () => {
    const tasks = Array.from({ length: 1_001 }, (_, i) => ({ taskKey: `t${i}`, runId: String(i) }));
    const result = parseObservations(runObservationSchema, [raw({ tasks })]);
    expect(result.ok && result.value.rejected).toHaveLength(1);
  });

  it('does not let a __proto__ tag reach the prototype', () => {
    const result = parseObservations(runObservationSchema, [
      JSON.parse(JSON.stringify(raw()).replace('{', '{"tags":{"__proto__":"x","team":"a"},')),
    ]);
    if (!result.ok) throw new Error(result.userMessage);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(result.value.items[0]!.tags.team).toBe('a');
  });
});

describe('runOutcome', () => {
  it('reads both the REST and the system-table vocabulary', () => {
    expect(runOutcome('TERMINATED', 'SUCCESS')).toBe('succeeded');
    expect(runOutcome(undefined, 'SUCCEEDED')).toBe('succeeded');
    expect(runOutcome('TERMINATED', 'TIMEDOUT')).toBe('timed_out');
    expect(runOutcome(undefined, 'TIMED_OUT')).toBe('timed_out');
    expect(runOutcome(undefined, 'CANCELLED')).toBe('canceled');
    expect(runOutcome('INTERNAL_ERROR', undefined)).toBe('internal_error');
    expect(runOutcome('WAITING_FOR_RETRY', 'FAILED')).toBe('waiting_for_retry');
    expect(runOutcome('BLOCKED', undefined)).toBe('pending');
  });

  it('counts an unknown terminal result as a failure, never as success', () => {
    expect(runOutcome('TERMINATED', 'SOMETHING_NEW')).toBe('failed');
  });
});

describe('mergeOutputs', () => {
  it('collapses the same signal reported by two passes', () => {
    const r = runObservationSchema.parse(raw());
    const a = detectRunFailures([r], T0);
    const merged = mergeOutputs(a, detectRunFailures([r], T0 + 1), {
      signals: [],
      skipped: [{ subject: 's', reason: 'r' }],
    });
    expect(merged.signals).toHaveLength(1);
    expect(merged.skipped).toEqual([{ subject: 's', reason: 'r' }]);
  });
});
