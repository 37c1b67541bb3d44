import { describe, expect, it } from 'vitest';
import { preventiveRecommendation } from '../../src/domain/recurring-issue.js';

describe('preventiveRecommendation', () => {
  it('recommends a retry policy for network blips and a compute policy for memory', () => {
    expect(preventiveRecommendation('network').kind).toBe('retry_policy');
    expect(preventiveRecommendation('resource').kind).toBe('compute_policy');
    expect(preventiveRecommendation('capacity').kind).toBe('compute_policy');
  });

  it('recommends separating the schedules for a write conflict that keeps coming back', () => {
    const recommendation = preventiveRecommendation('concurrency', 'job_failed');
    expect(recommendation.kind).toBe('separate_schedules');
    expect(recommendation.text).toMatch(/Separate the schedules/);
  });

  it('falls back to the signal kind, then to a root-cause review', () => {
    expect(preventiveRecommendation(null, 'warehouse_queueing').kind).toBe('warehouse_scaling');
    expect(preventiveRecommendation('unknown', 'job_failed').kind).toBe('root_cause_review');
  });

  it('is not fooled by Object.prototype names', () => {
    expect(preventiveRecommendation('constructor', '__proto__').kind).toBe('root_cause_review');
  });
});
