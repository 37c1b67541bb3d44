import type { Scenario } from './scenario/schema.js';
import { SimWorkspace } from './engine/sim-workspace.js';
import type { SystemTableSink } from './system-table-sink.js';

export interface RunScenarioOptions {
  scenario: Scenario;
  seed?: number;
  sink: SystemTableSink;
  /** Epoch ms to run to; default the scenario's end (start + duration_hours). */
  until?: number;
  /** Finished runs kept per job in memory; an export serves no REST, so one. Default 1. */
  recentRunsPerJob?: number;
}

/**
 * A sink that loads rows in the background (the export file): `ready` hands it the rows so far and
 * resolves once it can take more, so the engine simulates the next hour while DuckDB loads the last.
 */
interface PacedSink extends SystemTableSink {
  ready(): Promise<void>;
}

const isPaced = (sink: SystemTableSink): sink is PacedSink =>
  typeof (sink as Partial<PacedSink>).ready === 'function';

/**
 * Runs a scenario flat out to `until`, streaming every system-table row to the sink, then bills
 * still-running compute and flushes. What `dbxops sim export` calls.
 */
export async function runScenario(opts: RunScenarioOptions): Promise<SimWorkspace> {
  const workspace = new SimWorkspace({
    scenario: opts.scenario,
    seed: opts.seed ?? 1,
    sink: opts.sink,
    recentRunsPerJob: opts.recentRunsPerJob ?? 1,
  });
  const until = opts.until ?? workspace.endMs;
  // Hour by hour so buffered rows reach the sink steadily instead of all at the end.
  // When the process was started with --expose-gc (the benchmark is), collect every few simulated
  // hours: the row stream is pure garbage once sunk, and V8 otherwise lets the heap balloon.
  const gc = (globalThis as { gc?: () => void }).gc;
  const paced = isPaced(opts.sink) ? opts.sink : undefined;
  let hour = 0;
  // From the clock, not the scenario's start: a scenario with a history begins that long before it.
  for (let t = workspace.now() + 3_600_000; t < until; t += 3_600_000) {
    workspace.advanceTo(t);
    if (paced) await paced.ready();
    if (gc && ++hour % 2 === 0) gc();
  }
  workspace.advanceTo(until);
  workspace.settle();
  await workspace.flush();
  return workspace;
}
