import { describe, expect, it } from 'vitest';
import { emptyDetectorState, runDetectors } from '../../../src/agents/detector/run-detectors.js';
import type { TableLoadObservation } from '../../../src/agents/detector/observations.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { DAY, HOUR, MIN, run, T0, task } from './observation-factory.js';

const failed = run({
  runId: '9',
  resultState: 'FAILED',
  tasks: [task('load', '91', { resultState: 'FAILED', errorMessage: 'boom' })],
});
const history = Array.from({ length: 6 }, (_, i) =>
  run({ runId: `h${i}`, startTime: T0 - (i + 1) * DAY, endTime: T0 - (i + 1) * DAY + 30 * MIN }),
);

describe('runDetectors', () => {
  it('runs every detector on one tick and carries the baselines to the next', () => {
    const out = runDetectors(
      { runs: [failed, ...history] },
      emptyDetectorState(),
      defaultPolicy(),
      T0 + HOUR,
    );
    expect(out.signals.map((s) => s.kind)).toEqual(['task_failed']);
    expect(Object.values(out.state.durations)[0]!.samples).toHaveLength(6);
    const again = runDetectors({ runs: [failed, ...history] }, out.state, defaultPolicy(), T0 + HOUR);
    expect(again.signals.map((s) => s.id)).toEqual(out.signals.map((s) => s.id));
    expect(again.state).toEqual(out.state);
  });

  it('reports a detector that throws outright as skipped and runs the others', () => {
    const hostile = {
      [Symbol.iterator]() {
        throw new Error('loads unreadable');
      },
    } as unknown as TableLoadObservation[];
    const out = runDetectors(
      { runs: [failed], loads: hostile },
      emptyDetectorState(),
      defaultPolicy(),
      T0 + HOUR,
    );
    expect(out.skipped).toEqual([{ subject: 'detector:row_counts', reason: 'loads unreadable' }]);
    expect(out.signals.map((s) => s.kind)).toEqual(['task_failed']);
    expect(out.state.rowCounts).toEqual({});
  });
});
