import { describe, expect, it } from 'vitest';
import { refreshDueAt } from '../../src/app/eval-command.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (day: number, hour: number, minute = 0) => Date.UTC(2026, 10, day, hour, minute);

describe('refreshDueAt (when a stale table fault becomes observable)', () => {
  it('is the last refresh plus the usual gap between refreshes: a daily table is due a day after its last', () => {
    const writes = [at(1, 5, 41), at(2, 5, 43), at(3, 5, 42), at(4, 5, 44)];
    // Gaps of a day and 2 min, a day less 1 min, a day and 2 min: the median is a day and 2 min.
    expect(refreshDueAt(writes)).toBe(at(5, 5, 46));
  });

  it('counts writes minutes apart as one refresh (a job whose tasks write the table in turn)', () => {
    const writes = [1, 2, 3].flatMap((d) => [at(d, 5, 30), at(d, 5, 40)]);
    expect(refreshDueAt(writes)).toBe(at(3, 5, 40) + DAY);
  });

  it('follows an hourly table hourly, whatever order the writes come in', () => {
    const writes = [3, 1, 2, 0].map((h) => at(1, h, 10));
    expect(refreshDueAt(writes)).toBe(at(1, 4, 10));
  });

  it('knows no due time for a table refreshed fewer than twice', () => {
    expect(refreshDueAt([])).toBeUndefined();
    expect(refreshDueAt([at(1, 5)])).toBeUndefined();
  });
});
