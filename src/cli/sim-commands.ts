import { basename, resolve } from 'node:path';
import { runScenario } from '../sim/run-scenario.js';
import { finishExport, openExportFile } from '../sim/tables/export-duckdb-file.js';
import { resolveScenario, startEmbeddedWorkspace } from './embedded-workspace.js';

export interface SimServeOptions {
  scenario: string;
  jobs?: number;
  port: number;
  host: string;
  speed: number;
  seed: number;
  token: string;
  tls?: boolean;
  webhookUrl?: string;
  webhookUser?: string;
  webhookPassword?: string;
}

/** `dbxops sim serve`: the simulator on loopback until Ctrl-C. */
export async function runSimServe(opts: SimServeOptions): Promise<void> {
  const embedded = await startEmbeddedWorkspace({
    scenario: opts.jobs ? { jobs: opts.jobs } : { file: opts.scenario },
    seed: opts.seed,
    host: opts.host,
    port: opts.port,
    speed: opts.speed,
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
  const lines = [
    `dbxops sim: scenario ${embedded.scenarioName} (seed ${opts.seed}) at ${opts.speed}× speed`,
    `  DATABRICKS_HOST=${embedded.url}`,
    `  DATABRICKS_TOKEN=${embedded.token}`,
    `  workspace id ${ws.workspaceId}; simulated time starts ${new Date(ws.startMs).toISOString()}`,
  ];
  for (const w of ws.warehouses.byId.values()) {
    lines.push(`  SQL warehouse ${w.config.name}: ${embedded.url}${embedded.server.warehousePath(w.id)}`);
  }
  if (embedded.tls) lines.push(`  NODE_EXTRA_CA_CERTS=${resolve(embedded.tls.caCertPath)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await waitForSignal();
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

/** `dbxops sim export`: runs the scenario flat out into a DuckDB file and prints what it wrote. */
export async function runSimExport(opts: SimExportOptions): Promise<void> {
  const started = performance.now();
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
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `dbxops sim: wrote ${opts.out} — ${name}, ${(workspace.now() - workspace.startMs) / 3_600_000} h simulated in ${seconds.toFixed(1)} s\n` +
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
