import { describe, expect, it } from 'vitest';
import { preferLastFix } from '../../../src/agents/remediation/last-fix.js';

describe('preferLastFix', () => {
  it('puts the action that fixed the last incident like this one first', () => {
    expect(preferLastFix(['repair', 'rerun', 'set_retry_policy'], 'set_retry_policy')).toEqual([
      'set_retry_policy',
      'repair',
      'rerun',
    ]);
  });

  it('changes nothing for free text, no fix, or an action the classification did not suggest', () => {
    const suggested = ['notify_owner', 'pause_schedule'] as const;
    expect(preferLastFix(suggested, null)).toEqual(suggested);
    expect(preferLastFix(suggested, undefined)).toEqual(suggested);
    // A plain retry of a permission error stays out, even if one once worked after the grant was fixed.
    expect(preferLastFix(suggested, 'rerun')).toEqual(suggested);
  });
});
