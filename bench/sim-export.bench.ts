/**
 * Issue 2's benchmark: exports 24 h of a generated 10,000-job workspace (hourly schedules, about a million
 * task runs) to a DuckDB file, exactly as `dbxops sim export --jobs 10000 --hours 24` does, and prints
 * rows per second, peak memory and where the CPU went (the JavaScript thread runs the engine and
 * serialises rows; DuckDB loads them on its own thread). Prints figures only; never passes or fails
 * on time.
 *
 *   npm run bench:sim                         # 10,000 jobs × 24 h
 *   npm run bench:sim -- --jobs 1000 --hours 6
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateScenario } from '../src/sim/generate-scenario.js';
import { runScenario } from '../src/sim/run-scenario.js';
import { finishExport, openExportFile } from '../src/sim/tables/export-duckdb-file.js';
import { SINK_TABLES, storageNameOf } from '../src/sim/tables/system-table-ddl.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    hours: { type: 'string', default: '24' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const jobs = Number(values.jobs);
const hours = Number(values.hours);
const seed = Number(values.seed);

const dir = mkdtempSync(join(tmpdir(), 'dbxops-bench-sim-'));
const out = join(dir, 'export.duckdb');

let peakRss = process.memoryUsage.rss();
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
// The engine runs synchronously for an hour of simulated time at a stretch, so a timer alone would
// miss peaks; the sink's flush (once an hour) yields to it as well.
const sampler = setInterval(sampleRss, 20);

const started = performance.now();
const cpuAtStart = process.cpuUsage();
const mainCpuAtStart = process.threadCpuUsage();
const scenario = generateScenario({ jobs, hours, seed });
const generated = performance.now();
const file = await openExportFile(out);
const startMs = Date.parse(scenario.start);
const workspace = await runScenario({ scenario, seed, sink: file, until: startMs + hours * 3_600_000 });
sampleRss();
const simulated = performance.now();
await finishExport(file, {
  scenario: scenario.name,
  seed,
  startedAt: workspace.startMs,
  now: workspace.now(),
  faults: [],
});
const finished = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
const mainCpu = process.threadCpuUsage(mainCpuAtStart);
clearInterval(sampler);
sampleRss();

const counts = await countRows(out);
const rows = [...counts.values()].reduce((a, b) => a + b, 0);
const seconds = (finished - started) / 1000;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const lines = [
  `dbxops bench:sim — ${jobs.toLocaleString('en-US')} jobs × ${hours} h (seed ${seed}), node ${process.version}`,
  `  generate scenario   ${((generated - started) / 1000).toFixed(1)} s`,
  `  simulate + append   ${((simulated - generated) / 1000).toFixed(1)} s`,
  `  finish (checkpoint) ${((finished - simulated) / 1000).toFixed(1)} s`,
  `  total               ${seconds.toFixed(1)} s`,
  `  rows written        ${rows.toLocaleString('en-US')}`,
  ...[...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([table, n]) => `    ${table.padEnd(36)} ${n.toLocaleString('en-US').padStart(11)}`),
  `  throughput          ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`,
  `  peak RSS            ${mib(peakRss)}`,
  // On a shared machine wall time swings with other load; CPU time says what this run cost.
  `  CPU                 ${cpuSeconds(mainCpu)} JavaScript thread + ${cpuSeconds(minus(cpu, mainCpu))} other threads (DuckDB, GC)`,
  `  file size           ${mib(statSync(out).size)}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (values.keep) process.stdout.write(`  kept ${out}\n`);
else rmSync(dir, { recursive: true, force: true });

function minus(a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): NodeJS.CpuUsage {
  return { user: a.user - b.user, system: a.system - b.system };
}

function cpuSeconds(usage: NodeJS.CpuUsage): string {
  return `${((usage.user + usage.system) / 1e6).toFixed(1)} s`;
}

async function countRows(path: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const counts = new Map<string, number>();
  for (const name of SINK_TABLES) {
    const { schema, table } = storageNameOf(name);
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM "${schema}"."${table}"`);
    counts.set(name, Number(reader.getRowsJson()[0]?.[0] ?? 0));
  }
  connection.closeSync();
  instance.closeSync();
  return counts;
}
