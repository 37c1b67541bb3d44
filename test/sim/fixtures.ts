import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { validateScenario } from '../../src/sim/scenario/load-scenario.js';
import type { Scenario } from '../../src/sim/scenario/schema.js';

/** A small valid workspace: one team, an extract → transform → load job on a job cluster, hourly. */
export function baseScenario(): ScenarioInput {
  return {
    name: 'unit',
    start: '2026-11-20T00:00:00Z',
    duration_hours: 6,
    workspace: { id: '1234567890123456', host: 'dbc-unit.cloud.databricks.com', cloud: 'AWS' },
    teams: [{ name: 'finance', cost_center: 'CC-100' }],
    users: [{ email: 'alice@example.com', team: 'finance' }],
    groups: [{ name: 'finance-etl', members: ['alice@example.com'] }],
    tables: [
      { name: 'main.finance.raw_orders', owner: 'alice@example.com' },
      { name: 'main.finance.orders', owner: 'alice@example.com' },
      { name: 'main.finance.daily_revenue', owner: 'alice@example.com', criticality: 'financial-critical' },
    ],
    grants: [{ table: 'main.finance.raw_orders', principal: 'finance-etl', privilege: 'SELECT' }],
    jobs: [
      {
        name: 'orders_etl',
        team: 'finance',
        cost_center: 'CC-100',
        owner: 'alice@example.com',
        criticality: 'financial-critical',
        schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
        job_clusters: [{ key: 'etl', node_type: 'i3.xlarge', workers: 2 }],
        tasks: [
          {
            key: 'extract',
            cluster: 'etl',
            writes: ['main.finance.raw_orders'],
            duration: { mean_minutes: 5, jitter: 0.1 },
          },
          {
            key: 'transform',
            cluster: 'etl',
            depends_on: ['extract'],
            reads: ['main.finance.raw_orders'],
            writes: ['main.finance.orders'],
            duration: { mean_minutes: 5, jitter: 0.1 },
          },
          {
            key: 'load',
            cluster: 'etl',
            depends_on: ['transform'],
            reads: ['main.finance.orders'],
            writes: ['main.finance.daily_revenue'],
            duration: { mean_minutes: 5, jitter: 0.1 },
          },
        ],
        sla: { deadline: '06:00', table: 'main.finance.daily_revenue' },
      },
    ],
    baseline: { node_timeline: 'off' },
  };
}

/** `baseScenario()` with changes applied, validated. */
export function scenarioWith(change: (s: ScenarioInput) => void): Scenario {
  const s = baseScenario();
  change(s);
  return validateScenario(s, 'unit.yaml');
}
