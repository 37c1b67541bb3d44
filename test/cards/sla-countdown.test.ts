import { describe, expect, it } from 'vitest';
import { slaCountdown } from '../../src/cards/sla-countdown.js';

const NOW = Date.UTC(2026, 10, 22, 4, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

describe('slaCountdown', () => {
  it.each([
    [null, 'No SLA', 'none'],
    [NOW + 42 * MIN, 'SLA in 42 min', 'on_track'],
    [NOW + 42 * MIN + 59 * SEC, 'SLA in 42 min', 'on_track'],
    [NOW + 30 * MIN, 'SLA in 30 min', 'due_soon'],
    [NOW + 5 * MIN, 'SLA in 5 min', 'due_soon'],
    [NOW + 30 * SEC, 'SLA in less than a minute', 'due_soon'],
    [NOW + 1, 'SLA in less than a minute', 'due_soon'],
    [NOW, 'SLA missed just now', 'missed'],
    [NOW - 59 * SEC, 'SLA missed just now', 'missed'],
    [NOW - 12 * MIN, 'SLA missed 12 min ago', 'missed'],
    [NOW + 2 * HOUR + 5 * MIN, 'SLA in 2 h 5 min', 'on_track'],
    [NOW + 3 * HOUR, 'SLA in 3 h', 'on_track'],
    [NOW - 26 * HOUR, 'SLA missed 26 h ago', 'missed'],
    [NOW + 3 * 24 * HOUR + 4 * HOUR + 10 * MIN, 'SLA in 3 d 4 h', 'on_track'],
    [NOW - 10 * 24 * HOUR, 'SLA missed 10 d ago', 'missed'],
  ] as const)('deadline %s reads "%s" (%s)', (deadline, text, status) => {
    expect(slaCountdown(deadline, NOW)).toEqual({ text, status });
  });

  it('moves with the injected clock, not the system clock', () => {
    const deadline = NOW + 10 * MIN;
    expect(slaCountdown(deadline, NOW).text).toBe('SLA in 10 min');
    expect(slaCountdown(deadline, NOW + 20 * MIN).text).toBe('SLA missed 10 min ago');
  });

  it('says a maximum-age SLA by the age allowed and the age now, not by a time of day', () => {
    // Written at 01:20, allowed 2 h: too old from 03:20, 2 h 40 min old at 04:00.
    expect(slaCountdown(NOW - 40 * MIN, NOW, 120)).toEqual({
      status: 'missed',
      text: 'SLA: must be at most 2 h old; 2 h 40 min old now',
    });
    expect(slaCountdown(NOW + 20 * MIN, NOW, 120)).toEqual({
      status: 'due_soon',
      text: 'SLA: must be at most 2 h old; 1 h 40 min old now',
    });
    expect(slaCountdown(NOW + 23 * HOUR, NOW, 24 * 60).text).toBe(
      'SLA: must be at most 24 h old; 1 h old now',
    );
  });
});
