/**
 * Issue 14's benchmark: how long the deterministic router takes to answer its questions, embedded, on
 * the demo scenario (48 h) and on a generated workspace (default 10,000 jobs × 7 days, as the issue
 * asks). Each workspace is played into a DuckDB file exactly as `dbxops sim export` writes it, then
 * every question below is asked `--rounds` times through one analyst (names cached, as in the bot).
 * Prints p50/p95 per workspace and each question's slowest time; never passes or fails on time.
 *
 * The generated workspace's export is kept in `--cache` (default `$TMPDIR/dbxops-bench-ask`) and reused
 * by the next run with the same arguments: 10,000 hourly jobs × 7 days is about 30 million rows, which
 * takes this 2-core machine many minutes of both cores to write, while the answers take seconds. The
 * time of a fresh export is printed when one is made.
 *
 *   npm run bench:ask                                # demo + 10,000 jobs × 168 h
 *   npm run bench:ask -- --jobs 1000 --hours 24      # a smaller generated workspace
 *   npm run bench:ask -- --jobs 0                    # the demo only
 *   npm run bench:ask -- --cache ''                  # export afresh, keep nothing
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAnalyst } from '../src/agents/analyst/analyst.js';
import { openScenarioWarehouse, type ScenarioWarehouse } from '../src/app/scenario-warehouse.js';
import { exportScenario } from '../src/app/sim-commands.js';
import { DEFAULT_SCENARIO_FILE } from '../src/config/default-scenario-file.js';
import { defaultPolicy } from '../src/config/policy.js';
import { DuckDbWarehouse } from '../src/databricks/duckdb-warehouse.js';
import { ManualClock, systemClock } from '../src/domain/clock.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    hours: { type: 'string', default: '168' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '3' },
    cache: { type: 'string', default: join(tmpdir(), 'dbxops-bench-ask') },
  },
});

/**
 * The generated workspace as `dbxops sim export --jobs J --hours H --seed S` writes it, from the cache
 * when an earlier run wrote it (the file is renamed into place only once finished, so a killed export
 * leaves nothing half-written behind).
 */
async function cachedGenerated(jobs: number, hours: number, seed: number): Promise<ScenarioWarehouse> {
  const dir = values.cache ?? '';
  if (dir === '') return openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, jobs, hours, seed });
  await mkdir(dir, { recursive: true });
  const file = join(dir, `jobs${jobs}-h${hours}-seed${seed}.duckdb`);
  const about = `${file}.json`;
  if (!existsSync(file) || !existsSync(about)) {
    const partial = `${file}.partial`;
    await rm(partial, { force: true });
    const t0 = performance.now();
    const exported = await exportScenario({
      scenario: DEFAULT_SCENARIO_FILE,
      jobs,
      hours,
      seed,
      out: partial,
      force: true,
    });
    console.log(
      `  exported ${jobs.toLocaleString('en-US')} jobs × ${hours} h in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    await rename(partial, file);
    await writeFile(about, JSON.stringify(exported));
  } else {
    console.log(`  reusing the export in ${file}`);
  }
  const exported = JSON.parse(await readFile(about, 'utf8')) as { name: string; nowMs: number };
  const clock = new ManualClock(exported.nowMs);
  const warehouse = await DuckDbWarehouse.openFile(file, { clock });
  // An export kept from before the id was written down: its rows say it.
  const workspaceId = String(
    (await warehouse.query('SELECT workspace_id FROM system.lakeflow.jobs LIMIT 1', { rowLimit: 1 })).rows[0]
      ?.workspace_id ?? '',
  );
  return { warehouse, clock, name: exported.name, workspaceId, close: () => warehouse.close() };
}

/** One question per intent; `{job}`, `{team}` and `{table}` are filled from the workspace. */
const QUESTIONS = [
  'what failed last night?',
  'failures by team yesterday',
  'why did {job} fail?',
  'status of {job}',
  'is {job} getting slower?',
  'which SLAs did we miss this week?',
  'most expensive jobs this week',
  'most expensive queries yesterday',
  'which users spent the most this week',
  'spend by team week over week',
  'untagged spend',
  'idle warehouses',
  'warehouses without auto-stop',
  'clusters without auto-termination',
  'queries running long right now',
  'who read or changed {table}?',
  'what is downstream of {table}?',
  'queries by {user} yesterday',
  'timeouts this week',
  'did the {pipeline} pipeline fail this week?',
];

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

async function pick(ws: ScenarioWarehouse, sql: string): Promise<string> {
  const result = await ws.warehouse.query(sql, { rowLimit: 1 });
  return String(Object.values(result.rows[0] ?? {})[0] ?? 'none');
}

async function bench(label: string, open: () => Promise<ScenarioWarehouse>): Promise<void> {
  const t0 = performance.now();
  const ws = await open();
  const prepared = (performance.now() - t0) / 1000;
  try {
    const job = await pick(
      ws,
      "SELECT j.name FROM system.lakeflow.job_run_timeline r JOIN system.lakeflow.jobs j ON j.job_id = r.job_id WHERE r.result_state = 'FAILED' LIMIT 1",
    );
    const table = await pick(
      ws,
      'SELECT source_table_full_name FROM system.access.table_lineage WHERE source_table_full_name IS NOT NULL LIMIT 1',
    );
    const user = await pick(
      ws,
      'SELECT executed_by FROM system.query.history WHERE executed_by IS NOT NULL LIMIT 1',
    );
    const pipeline = await pick(ws, 'SELECT name FROM system.lakeflow.pipelines LIMIT 1');
    const analyst = createAnalyst({
      warehouse: ws.warehouse,
      workspaceId: ws.workspaceId,
      clock: ws.clock,
      wallClock: systemClock,
      policy: defaultPolicy(),
    });
    const cold = performance.now();
    await analyst.ask({ text: 'untagged spend' });
    const firstMs = performance.now() - cold;
    const times: number[] = [];
    const byQuestion = new Map<string, number[]>();
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const template of QUESTIONS) {
        const text = template
          .replace('{job}', job)
          .replace('{table}', table)
          .replace('{user}', user)
          .replace('{pipeline}', pipeline);
        const start = performance.now();
        const answer = await analyst.ask({ text });
        const ms = performance.now() - start;
        if (answer.outcome !== 'answered')
          console.log(`  ! ${text}: ${answer.outcome} — ${answer.summary.slice(0, 120)}`);
        times.push(ms);
        byQuestion.set(template, [...(byQuestion.get(template) ?? []), ms]);
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `\n${label}: prepared in ${prepared.toFixed(1)} s; first answer (names loaded) ${firstMs.toFixed(0)} ms`,
    );
    console.log(
      `  ${times.length} answers: p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`,
    );
    const slowest = [...byQuestion.entries()]
      .map(([q, ms]) => [q, Math.max(...ms)] as const)
      .sort((a, b) => b[1] - a[1]);
    // Every question, slowest first: which ones miss a target is the point of the figures.
    for (const [q, ms] of slowest)
      console.log(`  ${ms.toFixed(0).padStart(6)} ms (slowest of ${values.rounds})  ${q}`);
  } finally {
    await ws.close();
  }
}

const seed = Number(values.seed);
await bench('demo scenario, 48 h', () =>
  openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, hours: 48, seed }),
);
const jobs = Number(values.jobs);
if (jobs > 0) {
  const hours = Number(values.hours);
  await bench(`generated workspace, ${jobs.toLocaleString('en-US')} jobs × ${hours} h`, () =>
    cachedGenerated(jobs, hours, seed),
  );
}
