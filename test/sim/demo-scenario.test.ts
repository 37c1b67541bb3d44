import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimWorkspace } from '../../src/sim/engine/sim-workspace.js';
import { loadScenario, parseScenario } from '../../src/sim/scenario/load-scenario.js';
import { MemorySink } from '../../src/sim/memory-sink.js';

describe('scenarios/demo.yaml', () => {
  it('validates, has three teams, ~15 jobs and at least ten kinds of fault with ground truth', async () => {
    const s = await loadScenario('scenarios/demo.yaml');
    expect(s.duration_hours).toBe(48);
    expect(s.teams.map((t) => t.name)).toEqual(['finance', 'marketing', 'data-platform']);
    expect(s.jobs.length).toBeGreaterThanOrEqual(14);
    const kinds = new Set(s.faults.map((f) => f.kind));
    for (const kind of [
      'timeout',
      'skipped_downstream',
      'stale_table',
      'duration_spike',
      'row_count_drop',
      'oom',
      'revoked_grant',
      'runaway_query',
      'idle_warehouse_no_autostop',
      'cost_spike',
      'cloud_capacity',
      'concurrency_conflict',
    ] as const) {
      expect(kinds).toContain(kind);
    }
    const cascade = s.faults.filter((f) => f.caused_by === 'orders-extract-timeout');
    expect(cascade.map((f) => f.kind).sort()).toEqual(['skipped_downstream', 'stale_table']);
  });

  it('makes the first hours show the cascade: a timed-out extract and skipped transform and load', async () => {
    const s = await loadScenario('scenarios/demo.yaml');
    const ws = new SimWorkspace({ scenario: s, seed: 1, sink: new MemorySink() });
    ws.advanceTo(ws.startMs + 6 * 3_600_000);
    const truth = Object.fromEntries(ws.faults().map((f) => [f.id, f]));
    expect(truth['orders-extract-timeout']?.affected_run_ids).toHaveLength(1);
    const runId = Number(truth['orders-extract-timeout']?.affected_run_ids[0]);
    const run = ws.getRun(runId);
    expect(run.result).toBe('TIMEDOUT');
    expect(run.tasks.map((t) => t.result)).toEqual(['TIMEDOUT', 'UPSTREAM_FAILED', 'UPSTREAM_FAILED']);
    expect(truth['daily-revenue-stale']?.affected_run_ids).toEqual([String(runId)]);
    for (const id of ['payments-concurrent-append', 'attribution-no-capacity']) {
      expect(truth[id]?.first_affected_ms, id).toBeDefined();
    }
    // The anomalies come once the jobs have a few hours of history to be judged against.
    ws.advanceTo(ws.startMs + 12 * 3_600_000);
    const later = Object.fromEntries(ws.faults().map((f) => [f.id, f]));
    for (const id of ['events-duration-spike', 'fx-rates-row-drop']) {
      expect(later[id]?.first_affected_ms, id).toBeGreaterThanOrEqual(ws.startMs + 8 * 3_600_000);
    }
  });
});

describe('docs/scenarios.md', () => {
  it('shows an example that is a valid scenario', () => {
    const doc = readFileSync('docs/scenarios.md', 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const s = parseScenario(example ?? '', 'docs/scenarios.md');
    expect(s.faults.map((f) => f.id)).toEqual(['extract-timeout', 'revenue-stale']);
  });
});
