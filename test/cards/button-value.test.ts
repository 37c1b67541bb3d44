import { describe, expect, it } from 'vitest';
import {
  actionIdFor,
  type ButtonPayload,
  decodeButtonValue,
  encodeButtonValue,
  MAX_ENCODED_LENGTH,
} from '../../src/cards/button-value.js';
import { SLACK_LIMITS } from '../../src/cards/slack-limits.js';

const payloads: ButtonPayload[] = [
  { kind: 'incident', action: 'ack', incidentId: 'inc-42', version: 3 },
  { kind: 'incident', action: 'assign_me', incidentId: 'inc-42', version: 0 },
  { kind: 'incident', action: 'snooze', incidentId: 'a.b:c_d-e', version: 9_007_199_254_740_991 },
  { kind: 'incident', action: 'resolve', incidentId: 'inc-42', version: 3 },
  { kind: 'incident', action: 'reopen', incidentId: 'inc-42', version: 3 },
  { kind: 'incident', action: 'remediate', incidentId: 'inc-42', version: 3, remediationId: 'rem-1' },
  { kind: 'incident', action: 'refresh', incidentId: 'inc-42', version: 3 },
  { kind: 'plan', action: 'cancel_plan', incidentId: 'inc-42', version: 3, remediationId: 'rem-1' },
  { kind: 'plan', action: 'refresh', incidentId: 'inc-42', version: 3, remediationId: 'rem-1' },
];

describe('button value codec', () => {
  it.each(payloads)('round-trips %o', (payload) => {
    expect(decodeButtonValue(encodeButtonValue(payload))).toEqual({ ok: true, value: payload });
  });

  it('fits Slack’s 2,000-character button value even with the longest ids', () => {
    const id = 'x'.repeat(128);
    const value = encodeButtonValue({
      kind: 'plan',
      action: 'cancel_plan',
      incidentId: id,
      version: 1e15,
      remediationId: id,
    });
    expect(value.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
    expect(value.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH);
  });

  it('refuses to encode an invalid payload, because that is a bug in the renderer', () => {
    expect(() =>
      encodeButtonValue({ kind: 'incident', action: 'remediate', incidentId: 'inc-1', version: 1 }),
    ).toThrow();
    expect(() =>
      encodeButtonValue({ kind: 'incident', action: 'ack', incidentId: 'a|b', version: 1 }),
    ).toThrow();
  });

  it.each([
    ['a number', 42, 'malformed'],
    ['an object', { action: 'ack' }, 'malformed'],
    ['null', null, 'malformed'],
    ['an empty string', '', 'unsupported_format'],
    ['JSON from an older card', '{"incidentId":"inc-42"}', 'unsupported_format'],
    ['an unknown format', 'd9|i|ack|inc-42|3', 'unsupported_format'],
    ['a missing version', 'd1|i|ack|inc-42', 'malformed'],
    ['an extra field', 'd1|i|ack|inc-42|3|rem-1|x|y', 'malformed'],
    ['a token on anything but Approve', 'd1|i|ack|inc-42|3|rem-1|x', 'invalid'],
    ['a token on Run', 'd1|p|run_plan|inc-42|3|rem-1|apv_x', 'invalid'],
    ['Approve without its token', 'd1|p|approve_plan|inc-42|3|rem-1', 'invalid'],
    ['a negative version', 'd1|i|ack|inc-42|-1', 'malformed'],
    ['a fractional version', 'd1|i|ack|inc-42|1.5', 'malformed'],
    ['a version with a leading zero', 'd1|i|ack|inc-42|03', 'malformed'],
    ['a version beyond safe integers', 'd1|i|ack|inc-42|99999999999999999', 'malformed'],
    ['an unknown kind', 'd1|x|ack|inc-42|3', 'malformed'],
    ['an unknown action', 'd1|i|delete_workspace|inc-42|3', 'invalid'],
    ['a plan action on an incident', 'd1|i|cancel_plan|inc-42|3|rem-1', 'invalid'],
    ['Run on an incident card', 'd1|i|run_plan|inc-42|3|rem-1', 'invalid'],
    ['Run without a remediation', 'd1|p|run_plan|inc-42|3', 'invalid'],
    ['remediate without a remediation', 'd1|i|remediate|inc-42|3', 'invalid'],
    ['ack with a remediation', 'd1|i|ack|inc-42|3|rem-1', 'invalid'],
    ['an id with a script', 'd1|i|ack|<script>|3', 'invalid'],
    ['an empty id', 'd1|i|ack||3', 'invalid'],
    ['an id with spaces', 'd1|i|ack|inc 42|3', 'invalid'],
    ['a 10 KB value', `d1|i|ack|${'a'.repeat(10_000)}|3`, 'oversized'],
  ] as const)('rejects %s with reason %s', (_, raw, reason) => {
    const out = decodeButtonValue(raw);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.reason).toBe(reason);
      expect(out.userMessage).toMatch(/refresh the card/i);
    }
  });

  it('gives stable action ids, unique per remediation', () => {
    expect(actionIdFor({ action: 'ack' })).toBe('dbx:ack');
    expect(actionIdFor({ action: 'cancel_plan', remediationId: 'rem-1' })).toBe('dbx:cancel_plan');
    expect(actionIdFor({ action: 'remediate', remediationId: 'rem-1' })).toBe('dbx:remediate:rem-1');
  });

  it('decodes the same click delivered twice to the same payload', () => {
    const raw = encodeButtonValue({ kind: 'incident', action: 'ack', incidentId: 'inc-42', version: 3 });
    expect(decodeButtonValue(raw)).toEqual(decodeButtonValue(raw));
  });
});
