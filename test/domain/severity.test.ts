import { describe, expect, it } from 'vitest';
import {
  compareSeverity,
  isHigher,
  maxSeverity,
  raiseSeverity,
  severitySchema,
} from '../../src/domain/severity.js';

describe('severity', () => {
  it('treats P1 as more severe than P4', () => {
    expect(isHigher('P1', 'P2')).toBe(true);
    expect(isHigher('P4', 'P3')).toBe(false);
    expect(isHigher('P2', 'P2')).toBe(false);
  });

  it('picks the most severe of several and P4 of none', () => {
    expect(maxSeverity('P3', 'P1', 'P4')).toBe('P1');
    expect(maxSeverity()).toBe('P4');
  });

  it('sorts most severe first', () => {
    expect(['P3', 'P1', 'P4', 'P2'].map((s) => severitySchema.parse(s)).sort(compareSeverity)).toEqual([
      'P1',
      'P2',
      'P3',
      'P4',
    ]);
  });

  it('raises one step and saturates at P1', () => {
    expect(raiseSeverity('P3')).toBe('P2');
    expect(raiseSeverity('P1')).toBe('P1');
  });

  it('refuses severities outside P1..P4', () => {
    for (const bad of ['P0', 'P5', 'p1', '', 'SEV1'])
      expect(severitySchema.safeParse(bad).success).toBe(false);
  });
});
