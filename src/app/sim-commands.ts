import { basename, resolve } from 'node:path';
import { type Clock, systemClock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import { runScenario } from '../sim/run-scenario.js';
import { finishExport, openExportFile } from '../sim/tables/export-duckdb-file.js';
import { resolveScenario, startEmbeddedWorkspace } from './embedded-workspace.js';

export interface SimServeOptions {
  scenario: string;
  jobs?: number;
  port: number;
  host: string;
  /** Simulated seconds per real second. Default 60; refused with `wallClock`. */
  speed?: number;
  /** Place the scenario so that its hour `atHour` is now and run with the wall clock at 1×. */
  wallClock?: boolean;
  /** With `wallClock`: the scenario hour that is now. Default the scenario's end (`duration_hours`). */
  atHour?: number;
  seed: number;
  token: string;
  tls?: boolean;
  webhookUrl?: string;
  webhookUser?: string;
  webhookPassword?: string;
}

const DEFAULT_SIM_SPEED = 60;

/** `dbxops sim serve`: the simulator on loopback until Ctrl-C (or `until` resolves). */
export async function runSimServe(
  opts: SimServeOptions,
  io: { clock?: Clock; write?: (text: string) => void; until?: Promise<void> } = {},
): Promise<void> {
  if (opts.wallClock && opts.speed !== undefined) {
    throw new ConfigError(
      '--speed cannot be used with --wall-clock: a workspace on the wall clock runs at 1× (simulated now is the real now).',
      { options: ['--speed', '--wall-clock'] },
    );
  }
  if (opts.atHour !== undefined && !opts.wallClock) {
    throw new ConfigError('--at-hour places the scenario on the wall clock: add --wall-clock.', {
      options: ['--at-hour'],
    });
  }
  const speed = opts.wallClock ? 0 : (opts.speed ?? DEFAULT_SIM_SPEED);
  const clock = io.clock ?? systemClock;
  const embedded = await startEmbeddedWorkspace({
    scenario: opts.jobs ? { jobs: opts.jobs } : { file: opts.scenario },
    seed: opts.seed,
    host: opts.host,
    port: opts.port,
    speed,
    ...(opts.wallClock
      ? { wallClock: { clock, ...(opts.atHour === undefined ? {} : { atHour: opts.atHour }) } }
      : {}),
    token: opts.token,
    ...(opts.tls ? { tls: true } : {}),
    ...(opts.webhookUrl
      ? {
          webhook: {
            url: opts.webhookUrl,
            ...(opts.webhookUser ? { username: opts.webhookUser } : {}),
            ...(opts.webhookPassword ? { password: opts.webhookPassword } : {}),
          },
        }
      : {}),
  });
  const ws = embedded.workspace;
  const hours = (ws.endMs - ws.startMs) / 3_600_000;
  const lines = opts.wallClock
    ? [
        `dbxops sim: scenario ${embedded.scenarioName} (seed ${opts.seed}) on the wall clock at 1×`,
        `  placed at ${new Date(ws.startMs).toISOString()}: now is its hour ${((ws.now() - ws.startMs) / 3_600_000).toFixed(2)} of ${hours}; the history before now is played`,
      ]
    : [
        `dbxops sim: scenario ${embedded.scenarioName} (seed ${opts.seed}) at ${speed}× speed`,
        `  simulated time starts ${new Date(ws.startMs).toISOString()}`,
      ];
  if (ws.historyStartMs < ws.startMs) {
    const days = (ws.startMs - ws.historyStartMs) / 86_400_000;
    lines.push(
      `  with ${days} days of healthy history before it, already in the system tables and run lists`,
    );
  }
  lines.push(
    `  DATABRICKS_HOST=${embedded.url}`,
    `  DATABRICKS_TOKEN=${embedded.token}`,
    `  workspace id ${ws.workspaceId}`,
  );
  for (const w of ws.warehouses.byId.values()) {
    lines.push(`  SQL warehouse ${w.config.name}: ${embedded.url}${embedded.server.warehousePath(w.id)}`);
  }
  if (embedded.tls) lines.push(`  NODE_EXTRA_CA_CERTS=${resolve(embedded.tls.caCertPath)}`);
  (io.write ?? ((text) => process.stdout.write(text)))(`${lines.join('\n')}\n`);
  await (io.until ?? waitForSignal());
  await embedded.close();
}

export interface SimExportOptions {
  scenario: string;
  jobs?: number;
  out: string;
  hours?: number;
  seed: number;
  force: boolean;
}

/** What `exportScenario` wrote: the scenario's name and the simulated clock at the end. */
export interface ExportedScenario {
  readonly name: string;
  /** The simulated workspace's id: the `workspace_id` of every row written. */
  readonly workspaceId: string;
  readonly startMs: number;
  readonly nowMs: number;
}

/**
 * Runs the scenario flat out into a new DuckDB file at `out` and finishes it: what `dbxops sim export`
 * writes, and what `dbxops ask --scenario` answers from, so both hold the same rows.
 */
export async function exportScenario(
  opts: Pick<SimExportOptions, 'scenario' | 'jobs' | 'out' | 'hours' | 'seed' | 'force'>,
): Promise<ExportedScenario> {
  const { scenario, name } = await resolveScenario(
    opts.jobs ? { jobs: opts.jobs, ...(opts.hours ? { hours: opts.hours } : {}) } : { file: opts.scenario },
  );
  const file = await openExportFile(opts.out, { overwrite: opts.force });
  const startMs = Date.parse(scenario.start);
  const until = opts.hours !== undefined ? startMs + opts.hours * 3_600_000 : undefined;
  const workspace = await runScenario({ scenario, seed: opts.seed, sink: file, ...(until ? { until } : {}) });
  await finishExport(file, {
    scenario: opts.jobs ? name : basename(opts.scenario),
    seed: opts.seed,
    startedAt: workspace.startMs,
    now: workspace.now(),
    faults: workspace.faults().map((f) => ({
      fault_id: f.id,
      kind: f.kind,
      target: JSON.stringify(f.target),
      start: f.start_ms,
      end: f.end_ms,
      category: f.expected.category,
      severity: f.expected.severity,
      action: f.expected.action,
      caused_by: f.caused_by ?? null,
      affected: JSON.stringify({
        runs: f.affected_run_ids,
        task_runs: f.affected_task_run_ids,
        statements: f.affected_statement_ids,
        resources: f.affected_resource_ids,
      }),
    })),
  });
  return { name, workspaceId: workspace.workspaceId, startMs: workspace.startMs, nowMs: workspace.now() };
}

/** `dbxops sim export`: runs the scenario flat out into a DuckDB file and prints what it wrote. */
export async function runSimExport(opts: SimExportOptions): Promise<void> {
  const started = performance.now();
  const exported = await exportScenario(opts);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `dbxops sim: wrote ${opts.out} — ${exported.name}, ${(exported.nowMs - exported.startMs) / 3_600_000} h simulated in ${seconds.toFixed(1)} s\n` +
      `  ATTACH '${opts.out}' AS ws (READ_ONLY); SELECT * FROM ws.meta.simulation;\n`,
  );
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
