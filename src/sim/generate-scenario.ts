import type { ErrorCategory, FailureAction } from '../domain/error-label.js';
import type { Severity } from '../domain/severity.js';
import { Prng } from './engine/prng.js';
import type { FaultKind, Scenario, ScenarioInput } from './scenario/schema.js';
import { validateScenario } from './scenario/load-scenario.js';

export interface GenerateScenarioOptions {
  /** Number of jobs (each ~4 tasks, hourly). */
  jobs: number;
  seed?: number;
  /** Team names; default five. */
  teams?: string[];
  /** Simulated duration; default 24. */
  hours?: number;
  start?: string;
  /** Fraction of jobs that get a fault; default 0.01. */
  faultRate?: number;
}

const DEFAULT_TEAMS = ['finance', 'marketing', 'sales', 'supply-chain', 'data-platform'];
const NODE_TYPES = ['m5.xlarge', 'i3.xlarge', 'r5.xlarge'];

const FAULT_PLAN: { kind: FaultKind; category: ErrorCategory; severity: Severity; action: FailureAction }[] =
  [
    { kind: 'task_error', category: 'syntax', severity: 'P3', action: 'NOTIFY_OWNER' },
    { kind: 'timeout', category: 'timeout', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
    { kind: 'oom', category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
    { kind: 'cloud_capacity', category: 'capacity', severity: 'P3', action: 'RETRY' },
    { kind: 'concurrency_conflict', category: 'concurrency', severity: 'P3', action: 'RETRY' },
    { kind: 'duration_spike', category: 'resource', severity: 'P3', action: 'NOTIFY_OWNER' },
    { kind: 'row_count_drop', category: 'data_quality', severity: 'P2', action: 'NOTIFY_OWNER' },
    { kind: 'zero_rows', category: 'data_quality', severity: 'P2', action: 'NOTIFY_OWNER' },
  ];

/**
 * A large synthetic workspace for benchmarks and scale tests: hourly jobs of ~4 tasks (a chain with a
 * fan-out), on small job clusters, spread over the hour, with a sprinkling of faults. Node timelines are
 * off so memory and row counts stay bounded.
 */
export function generateScenario(opts: GenerateScenarioOptions): Scenario {
  const prng = new Prng(opts.seed ?? 1);
  const teams = opts.teams ?? DEFAULT_TEAMS;
  const hours = opts.hours ?? 24;
  const faultRate = opts.faultRate ?? 0.01;
  const jobs: NonNullable<ScenarioInput['jobs']> = [];
  const tables: NonNullable<ScenarioInput['tables']> = [];
  const faults: NonNullable<ScenarioInput['faults']> = [];
  for (let i = 0; i < opts.jobs; i++) {
    const team = teams[i % teams.length] ?? 'team';
    const schema = team.replace(/-/g, '_');
    const name = `${schema}_job_${String(i).padStart(5, '0')}`;
    const owner = `${schema}-sp-${i % 7}@example.com`;
    const t = (suffix: string) => `main.${schema}.${name}_${suffix}`;
    for (const suffix of ['raw', 'clean', 'agg', 'report']) tables.push({ name: t(suffix), owner, team });
    const minute = prng.int(0, 59);
    const taskCount = prng.int(3, 5);
    const tasks: NonNullable<ScenarioInput['jobs']>[number]['tasks'] = [
      {
        key: 'extract',
        cluster: 'c',
        writes: [t('raw')],
        duration: { mean_minutes: prng.int(3, 12), jitter: 0.15 },
      },
      {
        key: 'clean',
        cluster: 'c',
        depends_on: ['extract'],
        reads: [t('raw')],
        writes: [t('clean')],
        duration: { mean_minutes: prng.int(3, 12), jitter: 0.15 },
      },
      {
        key: 'aggregate',
        cluster: 'c',
        depends_on: ['clean'],
        reads: [t('clean')],
        writes: [t('agg')],
        duration: { mean_minutes: prng.int(2, 8), jitter: 0.15 },
      },
    ];
    if (taskCount >= 4) {
      tasks.push({
        key: 'report',
        cluster: 'c',
        depends_on: ['aggregate'],
        reads: [t('agg')],
        writes: [t('report')],
        duration: { mean_minutes: prng.int(1, 5), jitter: 0.15 },
      });
    }
    if (taskCount >= 5) {
      tasks.push({
        key: 'quality_check',
        cluster: 'c',
        depends_on: ['clean'],
        reads: [t('clean')],
        duration: { mean_minutes: prng.int(1, 4), jitter: 0.15 },
      });
    }
    jobs.push({
      name,
      team,
      cost_center: `CC-${100 + teams.indexOf(team)}`,
      owner,
      criticality: i % 20 === 0 ? 'financial-critical' : 'standard',
      schedule: { quartz_cron_expression: `0 ${minute} * * * ?`, timezone_id: 'UTC' },
      job_clusters: [{ key: 'c', node_type: prng.pick(NODE_TYPES), workers: prng.int(1, 4) }],
      tasks,
    });
    if (prng.chance(faultRate)) {
      const plan = prng.pick(FAULT_PLAN);
      const startHour = prng.int(0, Math.max(0, hours - 2));
      faults.push({
        id: `f-${i}`,
        kind: plan.kind,
        target: { job: name, task: prng.pick(tasks).key },
        start: `+${startHour}h`,
        end: `+${startHour + 2}h`,
        expected: {
          category: plan.category,
          severity: plan.severity,
          action: plan.action,
        },
      });
    }
  }
  // Timeouts only bite where a timeout is set.
  for (const f of faults) {
    if (f.kind !== 'timeout') continue;
    const task = jobs.find((j) => j.name === f.target.job)?.tasks.find((x) => x.key === f.target.task);
    if (task) task.timeout_seconds = Math.round((task.duration?.mean_minutes ?? 10) * 60 * 2);
  }
  const input: ScenarioInput = {
    name: `generated-${opts.jobs}`,
    start: opts.start ?? '2026-11-20T00:00:00Z',
    duration_hours: hours,
    workspace: { id: '7777777777777777', host: 'dbc-generated.cloud.databricks.com', cloud: 'AWS' },
    teams: teams.map((name, i) => ({ name, cost_center: `CC-${100 + i}` })),
    jobs,
    tables,
    warehouses: teams.slice(0, 3).map((team) => ({
      name: `${team}_wh`,
      team,
      owner: `${team.replace(/-/g, '_')}-sp-0@example.com`,
      size: 'Small' as const,
      queries_per_hour: 30,
    })),
    baseline: {
      duration: { mean_minutes: 8, jitter: 0.15 },
      rows: { mean: 100_000, jitter: 0.1 },
      failure_rate: 0.01,
      node_timeline: 'off',
    },
    faults,
  };
  return validateScenario(input, `generated(jobs=${opts.jobs}, seed=${opts.seed ?? 1})`);
}
