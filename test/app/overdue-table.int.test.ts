// @module-tag slow — two scenarios replayed through the pipeline
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/app/replay-scenario.js';
import { defaultPolicy } from '../../src/config/policy.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { baseScenario } from '../sim/fixtures.js';

/**
 * A table held to no SLA, written every six hours by a job that a table update upstream starts: when the
 * pipeline upstream fails, the table not refreshed since is named on that pipeline's incident; when
 * nothing upstream is wrong (its scheduled writer missed a start), the same stale table raises nothing.
 */

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-overdue-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KPIS = 'main.finance.kpis';

/** The feed's pipeline every six hours (00:00, 06:00 …), and the KPIs job each of its updates starts. */
function sixHourly(): ScenarioInput {
  const s = baseScenario();
  s.duration_hours = 10;
  s.history = { days: 2 };
  s.tables = [...(s.tables ?? []), { name: KPIS, owner: 'alice@example.com' }];
  s.jobs = [
    {
      name: 'feed_refresh',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 0/6 * * ?', timezone_id: 'UTC' },
      tasks: [
        {
          key: 'refresh',
          type: 'pipeline',
          pipeline: 'feed',
          reads: ['main.finance.raw_orders'],
          writes: ['main.finance.orders'],
        },
      ],
    },
    {
      name: 'kpis_refresh',
      team: 'finance',
      owner: 'alice@example.com',
      trigger: { table_update: { table_names: ['main.finance.orders'] } },
      tasks: [
        {
          key: 'build',
          reads: ['main.finance.orders'],
          writes: [KPIS],
          duration: { mean_minutes: 5, jitter: 0.1 },
        },
      ],
    },
  ];
  s.pipelines = [
    {
      name: 'feed',
      team: 'finance',
      owner: 'alice@example.com',
      reads: ['main.finance.raw_orders'],
      writes: ['main.finance.orders'],
      duration: { mean_minutes: 15, jitter: 0.1 },
    },
  ];
  return s;
}

/** The scenario replayed, with what became of each signal about the KPIs table's age. */
async function replay(name: string, s: ScenarioInput) {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(s));
  const overdue: string[] = [];
  const replayed = await replayScenario({
    scenario: path,
    seed: 7,
    policy: defaultPolicy(),
    step: 120,
    onSignal: (signal, outcome) => {
      if (signal.kind === 'table_overdue' && signal.subject.id === KPIS) overdue.push(outcome);
    },
  });
  return Object.assign(replayed, { overdue });
}

describe('a table its writer has stopped refreshing', () => {
  it('is named on the incident of the upstream pipeline that failed, and opens none of its own', async () => {
    const s = sixHourly();
    s.faults = [
      {
        id: 'renamed-column',
        kind: 'pipeline_error',
        target: { pipeline: 'feed' },
        start: '+5h',
        end: '+10h',
        message: '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name `units` cannot be resolved.',
        expected: { category: 'data_quality', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
    const r = await replay('failed.json', s);
    try {
      const incidents = await r.app.repos.incidents.listOpen({ limit: 100 });
      expect(incidents).toHaveLength(1);
      const [incident] = incidents;
      const signals = await r.app.repos.incidents.listSignals(incident!.id);
      expect(signals.map((x) => x.kind)).toEqual(
        expect.arrayContaining(['pipeline_failed', 'table_overdue']),
      );
      const timeline = (await r.app.repos.incidents.timeline(incident!.id)).map((t) => t.summary);
      expect(timeline.join('\n')).toMatch(
        /main\.finance\.kpis not refreshed since 2026-11-20 00:\d\d UTC \(usually every 6 h\)/,
      );
    } finally {
      await r.close();
    }
  }, 600_000);

  it('raises nothing when nothing upstream of it is wrong', async () => {
    const s = sixHourly();
    // The same KPIs on a schedule of their own, at 20 past the feed's hours, and the 06:20 start never
    // comes (a missed trigger): the feed is healthy, the KPIs as stale as above.
    const kpis = s.jobs?.find((j) => j.name === 'kpis_refresh');
    if (kpis === undefined) throw new Error('no KPIs job');
    delete kpis.trigger;
    kpis.schedule = { quartz_cron_expression: '0 20 0/6 * * ?', timezone_id: 'UTC' };
    s.faults = [
      {
        id: 'missed-start',
        kind: 'stale_table',
        target: { table: KPIS },
        start: '+5h',
        end: '+10h',
        expected: { category: 'dependency', severity: 'P4', action: 'NOTIFY_OWNER' },
      },
    ];
    const r = await replay('missed.json', s);
    try {
      expect(r.overdue).toContain('set_aside');
      expect(r.overdue).not.toContain('joined');
      expect(await r.app.repos.incidents.listOpen({ limit: 100 })).toEqual([]);
    } finally {
      await r.close();
    }
  }, 600_000);
});
