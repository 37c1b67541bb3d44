/**
 * Issue 16 item 5's benchmark: `dbxops eval` of a scenario, and of the same scenario stretched to 2×
 * and 4× its hours (its faults stay where they are; the extra days are the workspace's ordinary life),
 * each in a process of its own so that its peak resident memory is its own. Prints wall time, CPU
 * time, peak RSS and the time per simulated hour: a replay whose cost grows linearly with simulated
 * time shows the same seconds per hour at every length. Prints figures only; never passes or fails.
 *
 *   npm run bench:eval
 *   npm run bench:eval -- --scenario scenarios/demo.yaml --times 1,2,4 --seed 42
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { useBaselineWasmCompiler } from '../src/app/baseline-wasm-compiler.js';
import { useReplayHeapGrowth } from '../src/app/replay-heap-growth.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/demo.yaml' },
    times: { type: 'string', default: '1,2,4' },
    seed: { type: 'string', default: '42' },
    /** Internal: run one eval in this process and print its figures as JSON. */
    child: { type: 'string' },
  },
});

interface Figures {
  readonly hours: number;
  readonly wallS: number;
  readonly cpuUserS: number;
  readonly cpuSystemS: number;
  readonly peakRssMiB: number;
  readonly incidents: number;
  readonly recall: number | null;
  readonly precision: number | null;
}

if (values.child !== undefined) {
  // As `dbxops eval` runs: the WebAssembly compiler chosen before the store and translator load, and
  // the replay's old-generation headroom.
  useBaselineWasmCompiler();
  useReplayHeapGrowth();
  const { evaluateScenario } = await import('../src/app/eval-command.js');
  const started = performance.now();
  const result = await evaluateScenario({ scenario: values.child, seed: Number(values.seed), json: true });
  const usage = process.resourceUsage();
  const hours = (parse(readFileSync(values.child, 'utf8')) as { duration_hours: number }).duration_hours;
  const figures: Figures = {
    hours,
    wallS: (performance.now() - started) / 1000,
    cpuUserS: usage.userCPUTime / 1e6,
    cpuSystemS: usage.systemCPUTime / 1e6,
    peakRssMiB: usage.maxRSS / 1024,
    incidents: result.incidents,
    recall: result.recall,
    precision: result.precision,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dbxops-bench-eval-'));
  try {
    const source = parse(readFileSync(values.scenario, 'utf8')) as { duration_hours: number; name: string };
    const rows: Figures[] = [];
    for (const times of values.times.split(',').map(Number)) {
      const file = join(dir, `${source.name}-x${times}.yaml`);
      writeFileSync(file, stringify({ ...source, duration_hours: source.duration_hours * times }));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [...process.execArgv, import.meta.filename, '--child', file, '--seed', values.seed],
        { env: { ...process.env, LOG_LEVEL: 'silent' }, maxBuffer: 1 << 20 },
      );
      const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
      rows.push(figures);
      process.stdout.write(
        `${values.scenario} ×${times} (${figures.hours} h simulated): ${figures.wallS.toFixed(1)} s wall, ` +
          `${(figures.cpuUserS + figures.cpuSystemS).toFixed(1)} s CPU, ${figures.peakRssMiB.toFixed(0)} MiB peak RSS, ` +
          `${((figures.wallS / figures.hours) * 1000).toFixed(0)} ms per simulated hour; ` +
          `${figures.incidents} incidents, recall ${figures.recall}, precision ${figures.precision}\n`,
      );
    }
    // Linear growth: each further stretch of simulated hours costs what the first hours cost, per hour
    // (the first run also carries the start-up, so its figure is the higher one).
    const cpu = (r: Figures) => r.cpuUserS + r.cpuSystemS;
    for (let i = 1; i < rows.length; i++) {
      const [before, after] = [rows[i - 1], rows[i]];
      if (before === undefined || after === undefined) continue;
      const marginal = (cpu(after) - cpu(before)) / (after.hours - before.hours);
      process.stdout.write(
        `hours ${before.hours}→${after.hours}: ${marginal.toFixed(2)} s CPU per further simulated hour ` +
          `(the ${rows[0]?.hours} h run: ${((rows[0] ? cpu(rows[0]) : 0) / (rows[0]?.hours ?? 1)).toFixed(2)} s per hour, start-up included)\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
