// @module-tag slow — a week of history and a morning replayed through the pipeline
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/app/replay-scenario.js';
import { defaultPolicy } from '../../src/config/policy.js';
import type { Signal } from '../../src/domain/signal.js';
import { baseScenario } from '../sim/fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-late-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the pipeline on a file delivered late', () => {
  it('raises SLA at risk before the deadline, naming the daily writer that has not started', async () => {
    // The partner's file lands at 05:00 every day and the load it triggers writes the 09:00 table; today
    // the file comes four hours late, so the load has not started by its usual time.
    const s = baseScenario();
    s.duration_hours = 10;
    s.history = { days: 8 };
    s.jobs = [
      {
        name: 'partner_orders_load',
        team: 'finance',
        owner: 'alice@example.com',
        criticality: 'financial-critical',
        trigger: {
          file_arrival: {
            url: 's3://acme-landing/partner-orders/',
            wait_after_last_change_seconds: 60,
            arrivals: { every_minutes: 60, jitter: 0, hours: [5, 6] },
          },
        },
        job_clusters: [{ key: 'etl', node_type: 'i3.xlarge', workers: 2 }],
        tasks: [
          {
            key: 'load',
            cluster: 'etl',
            writes: ['main.finance.daily_revenue'],
            duration: { mean_minutes: 10, jitter: 0.1 },
          },
        ],
        sla: { deadline: '09:00', table: 'main.finance.daily_revenue' },
      },
    ];
    s.faults = [
      {
        id: 'late-partner-file',
        kind: 'late_arrival',
        target: { job: 'partner_orders_load' },
        start: '+4h',
        end: '+6h',
        delay: '4h',
        expected: { category: 'dependency', severity: 'P2', action: 'NOTIFY_OWNER' },
      },
    ];
    const file = join(dir, 'late-file.json');
    await writeFile(file, JSON.stringify(s));
    const replay = await replayScenario({ scenario: file, seed: 7, policy: defaultPolicy(), step: 120 });
    try {
      const ws = replay.embedded.workspace;
      const today = Date.parse('2026-11-20T00:00:00Z');
      const job = ws.listJobs().find((j) => j.settings.name === 'partner_orders_load');
      if (!job) throw new Error('no job');
      const started = ws
        .listRuns({ jobId: job.jobId })
        .map((r) => r.startTime)
        .filter((t) => t >= today);
      // Held back by the fault: nothing ran before the deadline today.
      expect(started.every((t) => t >= today + 9 * 3_600_000)).toBe(true);
      const incidents = await replay.app.repos.incidents.listOpen({ limit: 100 });
      const signals: Signal[] = (
        await Promise.all(incidents.map((i) => replay.app.repos.incidents.listSignals(i.id)))
      ).flat();
      const atRisk = signals.filter(
        (x) => x.kind === 'sla_at_risk' && x.subject.id === 'main.finance.daily_revenue',
      );
      expect(atRisk.length, JSON.stringify(signals.map((x) => [x.kind, x.subject.id]))).toBeGreaterThan(0);
      const first = Math.min(...atRisk.map((x) => x.observedAt));
      expect(first).toBeLessThan(today + 9 * 3_600_000);
      // Not before the file was due: a healthy morning says nothing.
      expect(first).toBeGreaterThan(today + 5 * 3_600_000);
      expect(atRisk.flatMap((x) => x.evidence.map((e) => e.label)).join(' ')).toMatch(
        /partner_orders_load usually starts by .* and has not started today/,
      );
    } finally {
      await replay.close();
    }
  }, 600_000);
});
