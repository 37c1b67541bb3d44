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

type Arrivals = { every_minutes: number; jitter: number; hours: [number, number] };

/**
 * Replays a morning of the partner's load, started by the file landing in `arrivals`, whose file today
 * comes `delay` late; the load writes the 09:00 table. What the writer started today, and the table's
 * SLA-at-risk signals.
 */
async function lateFileMorning(arrivals: Arrivals, historyDays: number, delay: string) {
  const s = baseScenario();
  s.duration_hours = 10;
  s.history = { days: historyDays };
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
          arrivals,
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
      end: '+7h',
      delay,
      expected: { category: 'dependency', severity: 'P2', action: 'NOTIFY_OWNER' },
    },
  ];
  const file = join(dir, `late-file-${historyDays}.json`);
  await writeFile(file, JSON.stringify(s));
  const replay = await replayScenario({ scenario: file, seed: 7, policy: defaultPolicy(), step: 120 });
  try {
    const ws = replay.embedded.workspace;
    const job = ws.listJobs().find((j) => j.settings.name === 'partner_orders_load');
    if (!job) throw new Error('no job');
    const started = ws
      .listRuns({ jobId: job.jobId })
      .map((r) => r.startTime)
      .filter((t) => t >= TODAY);
    const incidents = await replay.app.repos.incidents.listOpen({ limit: 100 });
    const signals: Signal[] = (
      await Promise.all(incidents.map((i) => replay.app.repos.incidents.listSignals(i.id)))
    ).flat();
    const atRisk = signals.filter(
      (x) => x.kind === 'sla_at_risk' && x.subject.id === 'main.finance.daily_revenue',
    );
    return { started, atRisk, kinds: signals.map((x) => [x.kind, x.subject.id]) };
  } finally {
    await replay.close();
  }
}

const TODAY = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;

describe('the pipeline on a file delivered late', () => {
  it('raises SLA at risk before the deadline, naming the daily writer that has not started', async () => {
    // The partner's file lands at 05:00 every day and the load it triggers writes the 09:00 table; today
    // the file comes four hours late, so the load has not started by its usual time.
    const { started, atRisk, kinds } = await lateFileMorning(
      { every_minutes: 60, jitter: 0, hours: [5, 6] },
      8,
      '4h',
    );
    // Held back by the fault: nothing ran before the deadline today.
    expect(started.every((t) => t >= TODAY + 9 * HOUR)).toBe(true);
    expect(atRisk.length, JSON.stringify(kinds)).toBeGreaterThan(0);
    const first = Math.min(...atRisk.map((x) => x.observedAt));
    expect(first).toBeLessThan(TODAY + 9 * HOUR);
    // Not before the file was due: a healthy morning says nothing.
    expect(first).toBeGreaterThan(TODAY + 5 * HOUR);
    expect(atRisk.flatMap((x) => x.evidence.map((e) => e.label)).join(' ')).toMatch(
      /partner_orders_load usually starts by .* and has not started today \(at .*; deadline 09:00 UTC\)/,
    );
  }, 600_000);

  it('raises it too for a file that lands any time in its hour, once past the latest it usually lands', async () => {
    // Files every hour, a few minutes off each time, so the one of the 05:00 hour lands at 05:00 one
    // day and at 05:55 another; today it comes two and a half hours late.
    const { started, atRisk, kinds } = await lateFileMorning(
      { every_minutes: 60, jitter: 0.05, hours: [5, 6] },
      15,
      '2h30m',
    );
    const landed = Math.min(...started);
    expect(landed).toBeGreaterThan(TODAY + 7 * HOUR);
    expect(atRisk.length, JSON.stringify(kinds)).toBeGreaterThan(0);
    const first = Math.min(...atRisk.map((x) => x.observedAt));
    expect(first).toBeGreaterThan(TODAY + 5 * HOUR);
    expect(first).toBeLessThan(landed);
    expect(atRisk[0]?.evidence.map((e) => e.label).join(' ')).toMatch(
      /partner_orders_load usually starts by 0[56]:\d\d UTC and has not started today/,
    );
  }, 600_000);
});
