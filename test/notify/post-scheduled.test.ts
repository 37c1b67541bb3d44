import { describe, expect, it } from 'vitest';
import { lateAfterAtSpeed } from '../../src/notify/post-scheduled.js';

const MINUTE = 60_000;

describe('when a scheduled post counts as sent late', () => {
  it('is 15 workspace minutes after its time on a real workspace and on the demo at 60×', () => {
    expect(lateAfterAtSpeed(1)).toBe(15 * MINUTE);
    expect(lateAfterAtSpeed(60)).toBe(15 * MINUTE);
  });

  it('allows a faster workspace clock the few real seconds a busy machine may stall, not one second', () => {
    // At 1200× ten real seconds are 200 simulated minutes: a stall is not dbxops being down.
    expect(lateAfterAtSpeed(1200)).toBe(200 * MINUTE);
    expect(lateAfterAtSpeed(3600)).toBeGreaterThan(3600 * 1_000);
  });
});
