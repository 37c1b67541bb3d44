import { describe, expect, it } from 'vitest';
import { activeBlackout } from '../../../src/agents/remediation/blackout-windows.js';
import { parsePolicy } from '../../../src/config/policy.js';

/** The blackouts of a dbxops.yaml holding one window described by `fields`. */
const blackouts = (fields: string) =>
  parsePolicy(`remediation:\n  blackouts:\n    - name: window\n${fields}`).remediation.blackouts;

const at = (iso: string) => Date.parse(iso);

describe('activeBlackout', () => {
  // Europe/Amsterdam leaves winter time (UTC+1) for summer time (UTC+2) at 02:00 on Sunday 29 March 2026.
  const fridayEvening = blackouts(
    '      cron: "0 22 * * 5"\n      duration_minutes: 120\n      timezone: Europe/Amsterdam\n',
  );

  it('follows local time across a daylight-saving change: Fridays 22:00 in Amsterdam', () => {
    // Before the change 22:00 local is 21:00 UTC …
    expect(activeBlackout(fridayEvening, 'repair', at('2026-03-27T20:59:00Z'))).toBeUndefined();
    expect(activeBlackout(fridayEvening, 'repair', at('2026-03-27T21:00:00Z'))).toEqual({
      name: 'window',
      startedAt: at('2026-03-27T21:00:00Z'),
      endsAt: at('2026-03-27T23:00:00Z'),
    });
    // … after it, 20:00 UTC.
    expect(activeBlackout(fridayEvening, 'repair', at('2026-04-03T20:00:00Z'))).toMatchObject({
      endsAt: at('2026-04-03T22:00:00Z'),
    });
    expect(activeBlackout(fridayEvening, 'repair', at('2026-04-03T22:00:00Z'))).toBeUndefined();
  });

  it('lasts its duration in real time when the clocks change inside it', () => {
    // Sunday 01:00 local (00:00 UTC) for three hours: the clocks skip 02:00–03:00, the window still
    // lasts 180 minutes and closes at 03:00 UTC, 05:00 local summer time.
    const overnight = blackouts(
      '      cron: "0 1 * * 0"\n      duration_minutes: 180\n      timezone: Europe/Amsterdam\n',
    );
    expect(activeBlackout(overnight, 'repair', at('2026-03-29T02:59:59Z'))).toMatchObject({
      startedAt: at('2026-03-29T00:00:00Z'),
      endsAt: at('2026-03-29T03:00:00Z'),
    });
    expect(activeBlackout(overnight, 'repair', at('2026-03-29T03:00:00Z'))).toBeUndefined();
  });

  it('reads the same cron differently in another time zone', () => {
    const newYork = blackouts(
      '      cron: "0 22 * * 5"\n      duration_minutes: 120\n      timezone: America/New_York\n',
    );
    // Friday 27 March 2026 22:00 in New York (already on summer time since 8 March) is 02:00 UTC Saturday.
    expect(activeBlackout(newYork, 'repair', at('2026-03-27T21:30:00Z'))).toBeUndefined();
    expect(activeBlackout(newYork, 'repair', at('2026-03-28T02:30:00Z'))).toMatchObject({
      startedAt: at('2026-03-28T02:00:00Z'),
    });
  });

  it('holds an explicit window from its start up to, not including, its end', () => {
    const freeze = blackouts(
      '      from: "2026-12-24T00:00:00-05:00"\n      to: "2026-12-27T00:00:00-05:00"\n',
    );
    expect(activeBlackout(freeze, 'retry', at('2026-12-24T04:59:59Z'))).toBeUndefined();
    expect(activeBlackout(freeze, 'retry', at('2026-12-24T05:00:00Z'))).toBeDefined();
    expect(activeBlackout(freeze, 'retry', at('2026-12-27T05:00:00Z'))).toBeUndefined();
  });
});

describe('blackout windows in dbxops.yaml', () => {
  it.each([
    [
      'a window that is both recurring and explicit',
      '      cron: "0 1 * * *"\n      duration_minutes: 5\n      from: "2026-01-01T00:00:00Z"\n      to: "2026-01-02T00:00:00Z"\n',
      /either cron and duration_minutes, or from and to/,
    ],
    [
      'a recurring window without a duration',
      '      cron: "0 1 * * *"\n',
      /needs both cron and duration_minutes/,
    ],
    ['a cron with six fields', '      cron: "0 0 1 * * *"\n      duration_minutes: 5\n', /5 fields/],
    [
      'a cron that is not one',
      '      cron: "every friday"\n      duration_minutes: 5\n',
      /5 fields|not a cron/,
    ],
    [
      'an impossible cron field',
      '      cron: "0 25 * * *"\n      duration_minutes: 5\n',
      /not a cron expression/,
    ],
    [
      'an unknown time zone',
      '      cron: "0 1 * * *"\n      duration_minutes: 5\n      timezone: Mars/Olympus\n',
      /IANA time zone/,
    ],
    [
      'a time without an offset',
      '      from: "2026-01-01T00:00:00"\n      to: "2026-01-02T00:00:00Z"\n',
      /from/,
    ],
    [
      'an end before the start',
      '      from: "2026-01-02T00:00:00Z"\n      to: "2026-01-01T00:00:00Z"\n',
      /must be after from/,
    ],
  ])('refuses %s, naming the window', (_what, fields, message) => {
    expect(() => blackouts(fields)).toThrowError(message);
    expect(() => blackouts(fields)).toThrowError(/remediation\.blackouts\[0\]/);
  });
});
