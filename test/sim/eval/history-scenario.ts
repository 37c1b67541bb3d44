import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { baseScenario } from '../fixtures.js';

/**
 * Three scored nights of a finance workspace, after `historyDays` of healthy ones: the orders job runs
 * nightly at 02:00 and its transform retries once; the refunds job merges at 04:00 into a table another
 * team's job writes then too, and loses the commit race every night. The orders job runs four times as long on the first
 * scored night, and on the second its transform loses one race that its own retry gets past.
 */
export function historyScenario(options: { historyDays?: number } = {}): ScenarioInput {
  const s = baseScenario();
  s.duration_hours = 72;
  if (options.historyDays !== undefined) s.history = { days: options.historyDays };
  const [orders] = s.jobs ?? [];
  if (orders === undefined) throw new Error('the base scenario has its orders job');
  orders.schedule = { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' };
  orders.sla = { deadline: '09:00', table: 'main.finance.daily_revenue' };
  orders.tasks = orders.tasks.map((t) =>
    t.key === 'transform' ? { ...t, max_retries: 1, min_retry_interval_millis: 60_000 } : t,
  );
  s.tables = [...(s.tables ?? []), { name: 'main.finance.refunds', owner: 'alice@example.com' }];
  // The operator the simulated responder acts as: an admin, so a press may run.
  s.groups = [...(s.groups ?? []), { name: 'admins', members: ['alice@example.com'] }];
  s.operator = 'alice@example.com';
  s.jobs = [
    orders,
    {
      name: 'refunds_merge',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 4 * * ?', timezone_id: 'UTC' },
      job_clusters: [{ key: 'etl', node_type: 'i3.xlarge', workers: 2 }],
      tasks: [
        {
          key: 'merge',
          cluster: 'etl',
          writes: ['main.finance.refunds'],
          duration: { mean_minutes: 8, jitter: 0.1 },
        },
      ],
    },
  ];
  s.faults = [
    {
      id: 'slow-first-night',
      kind: 'duration_spike',
      target: { job: 'orders_etl', task: 'extract' },
      start: '+1h',
      occurrences: 1,
      factor: 6,
      expected: { category: 'unknown', severity: 'P3', action: 'NOTIFY_OWNER' },
    },
    {
      id: 'nightly-conflict',
      kind: 'concurrency_conflict',
      target: { job: 'refunds_merge', task: 'merge' },
      start: '+1h',
      end: '+71h',
      recurring_by: 3,
      expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
    },
    {
      id: 'retried-blip',
      kind: 'concurrency_conflict',
      target: { job: 'orders_etl', task: 'transform' },
      start: '+25h',
      occurrences: 1,
      must_not_page: true,
      expected: { category: 'concurrency', severity: 'P4', action: 'RETRY' },
    },
  ];
  return s;
}
