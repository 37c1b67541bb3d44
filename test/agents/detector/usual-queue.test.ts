import { describe, expect, it } from 'vitest';
import { type PastWait, usualQueueOf } from '../../../src/agents/detector/usual-queue.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECOND = 1_000;
// A Friday 12:30 UTC: 06:30 in Chicago.
const NOW = Date.parse('2026-11-20T12:30:00Z');

/** `depth` statements queued together `daysAgo` days before, at `offset` from NOW's time of day. */
function peak(daysAgo: number, depth: number, waitMs = 10 * SECOND, offset = 0): PastWait[] {
  return Array.from({ length: depth }, () => ({ queuedAt: NOW - daysAgo * DAY + offset, waitMs }));
}

describe('usualQueueOf', () => {
  it('takes the peak most earlier days reach at this hour: one storm day does not make a storm usual', () => {
    const waits = [
      ...peak(1, 11),
      ...peak(2, 10),
      ...peak(3, 300, 40 * 60 * SECOND),
      ...peak(4, 12),
      ...peak(5, 10),
    ];
    expect(usualQueueOf(waits, NOW - 5 * DAY - HOUR, NOW)).toEqual({
      days: 5,
      queuedQueries: 11,
      maxQueuedMs: 10 * SECOND,
    });
  });

  it('counts waits that do not overlap one after another, not together', () => {
    const oneAfterAnother = [1, 2, 3].flatMap((d) =>
      [0, 10, 20].map((s) => ({ queuedAt: NOW - d * DAY + s * SECOND, waitMs: 10 * SECOND })),
    );
    expect(usualQueueOf(oneAfterAnother, NOW - 3 * DAY, NOW)?.queuedQueries).toBe(1);
  });

  it('still finds a daily peak that a change of daylight saving time moved by an hour', () => {
    const waits = [1, 2, 3, 4].flatMap((d) => peak(d, 10, 10 * SECOND, HOUR));
    expect(usualQueueOf(waits, NOW - 5 * DAY, NOW)?.queuedQueries).toBe(10);
  });

  it('counts a day with statements but no queue as a day the warehouse did not queue', () => {
    const waits = [...peak(1, 10), ...peak(2, 10)];
    expect(usualQueueOf(waits, NOW - 5 * DAY, NOW)?.queuedQueries).toBe(0);
  });

  it('has no usual before three earlier days of statements, or with none', () => {
    const waits = [...peak(1, 10), ...peak(2, 10)];
    expect(usualQueueOf(waits, NOW - 2 * DAY - HOUR, NOW)).toBeUndefined();
    expect(usualQueueOf([], undefined, NOW)).toBeUndefined();
  });
});
