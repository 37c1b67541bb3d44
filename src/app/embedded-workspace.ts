import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbWarehouse } from '../databricks/duckdb-warehouse.js';
import type { Warehouse } from '../databricks/warehouse.js';
import type { Clock } from '../domain/clock.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { type FirstFailure, findFirstFailure } from '../sim/engine/first-failure.js';
import { SimWorkspace } from '../sim/engine/sim-workspace.js';
import { generateScenario } from '../sim/generate-scenario.js';
import { loadScenario } from '../sim/scenario/load-scenario.js';
import { placeScenario } from '../sim/scenario/place-scenario.js';
import type { Scenario } from '../sim/scenario/schema.js';
import { DuckDbSink } from '../sim/tables/duckdb-sink.js';
import { flushingWarehouse } from '../sim/tables/flushing-warehouse.js';
import type { LocalTls } from '../sim/wire/tls.js';
import { startWireServer, type WireServerHandle } from '../sim/wire/start-wire-server.js';

const EMBEDDED_TOKEN = 'dapi-sim-0000';
/** How far into a scenario its first failure is looked for (a scratch run of the same seed). */
const FIRST_FAILURE_WITHIN_MS = 24 * 3_600_000;
const LEAD_IN_MAX_JOBS = 1_000;

export interface EmbeddedWorkspaceOptions {
  /** A scenario file, or a generated workspace of `jobs` jobs. */
  scenario: { file: string } | { jobs: number; hours?: number } | { scenario: Scenario; name?: string };
  seed: number;
  host?: string;
  port?: number;
  /** Simulated seconds per real second; 0 = only the caller moves the clock. Must be 0 with `wallClock`. */
  speed: number;
  /**
   * Stand in for a workspace whose clock is now: the scenario is placed so that its hour `atHour`
   * (default its end) is `clock.now()`, the history before that is played flat out before the server
   * listens (so no webhooks for it), and then the simulated clock follows `clock` at 1×.
   */
  wallClock?: { clock: Clock; atHour?: number };
  /**
   * Real milliseconds of quiet before the scenario's first failure: the history before that moment is
   * played flat out at start-up, so a newcomer meets the first incident within a minute instead of
   * watching quiet simulated hours pass. Ignored with `wallClock`, speed 0, or over 1,000 jobs.
   */
  leadInMs?: number;
  /**
   * With `speed`: the clock stands still until `server.sim.startClock()`, so that the caller's own
   * start-up (a store, queues, a console) does not use up the lead-in before anyone can watch.
   */
  clockWaits?: boolean;
  token?: string;
  tls?: boolean;
  webhook?: { url: string; username?: string; password?: string };
  fetch?: typeof fetch;
}

/** The embedded Databricks workspace: the simulator, its system tables in DuckDB, and its wire endpoints. */
export interface EmbeddedWorkspace {
  scenarioName: string;
  workspace: SimWorkspace;
  /**
   * Runs Databricks SQL on the system tables, in-process (what the bot uses in the embedded default);
   * Statement Execution and Thrift run on it too. Each statement sees every row up to the simulated now.
   */
  warehouse: Warehouse;
  server: WireServerHandle;
  /** The scenario's first failing run (within its first day), for the console's "what comes next". */
  firstFailure: FirstFailure | undefined;
  url: string;
  token: string;
  tls: LocalTls | null;
  close(): Promise<void>;
}

/** The in-memory DuckDB database holding the simulator's tables. */
const TABLES_CATALOG = 'workspace';

/** Loads a scenario (or generates one), starts the simulator on loopback and keeps its tables in DuckDB. */
export async function startEmbeddedWorkspace(options: EmbeddedWorkspaceOptions): Promise<EmbeddedWorkspace> {
  const resolved = await resolveScenario(options.scenario);
  const name = resolved.name;
  const wall = options.wallClock;
  if (wall && options.speed !== 0) {
    throw new InvalidArgumentError(
      'A workspace that follows the wall clock runs at 1×: pass speed 0 with wallClock.',
      { speed: options.speed },
    );
  }
  const scenario = wall
    ? placeScenario(resolved.scenario, wall.clock.now(), wall.atHour).scenario
    : resolved.scenario;
  const instance = await DuckDBInstance.create(':memory:');
  // The tables live in an in-memory database of their own that DuckDB compresses as it does a file's
  // (an in-memory database is kept uncompressed unless attached with COMPRESS): DuckDB held ~57 MiB at
  // the end of the demo eval, mostly these tables. Every connection uses it as its default catalog.
  const sinkConnection = await instance.connect();
  await sinkConnection.run(`ATTACH ':memory:' AS ${TABLES_CATALOG} (COMPRESS); USE ${TABLES_CATALOG}`);
  const sink = await DuckDbSink.create(sinkConnection);
  const workspace = new SimWorkspace({ scenario, seed: options.seed, sink });
  // A scratch run costs what the scenario costs: worth it for a demo-sized workspace, not a benchmark's.
  const firstFailure =
    wall || options.speed === 0 || options.leadInMs === undefined || scenario.jobs.length > LEAD_IN_MAX_JOBS
      ? undefined
      : findFirstFailure(scenario, options.seed, FIRST_FAILURE_WITHIN_MS);
  // A scenario's healthy history is played before anyone watches: into the tables in bulk, with no
  // server yet to send webhooks for it, as a workspace's past is there before dbxops first polls it.
  if (workspace.now() < workspace.startMs) await playUntil(workspace, workspace.startMs);
  if (wall) await playUntil(workspace, wall.clock.now());
  else if (firstFailure && options.leadInMs !== undefined) {
    const from = firstFailure.at - options.leadInMs * options.speed;
    if (from > workspace.now()) await playUntil(workspace, from);
  }
  const warehouse = flushingWarehouse(
    // Two connections: the monitoring polls start their independent statements together.
    await DuckDbWarehouse.open([await instance.connect(), await instance.connect()], {
      clock: workspace.clock,
      catalog: TABLES_CATALOG,
    }),
    workspace,
  );
  const token = options.token ?? EMBEDDED_TOKEN;
  // Loaded only for TLS: its X.509 library is ~10 MB that a plain-HTTP workspace (an eval) need not hold.
  const tls = options.tls ? await (await import('../sim/wire/tls.js')).ensureLocalTls({}) : null;
  const server = await startWireServer({
    workspace,
    warehouse,
    ...(tls ? { tls } : {}),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    sim: {
      tokens: [token],
      speed: options.speed,
      ...(options.clockWaits ? { clockWaits: true } : {}),
      ...(wall ? { wallClock: wall.clock } : {}),
      ...(options.webhook ? { webhook: options.webhook } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  });
  return {
    scenarioName: name,
    workspace,
    warehouse,
    server,
    firstFailure,
    url: server.url,
    token,
    tls,
    close: async () => {
      await server.close();
      await warehouse.close();
      await sink.close();
      instance.closeSync();
    },
  };
}

/**
 * Plays the workspace flat out to `until`, an hour at a time as `sim export` does, so rows reach the
 * sink steadily; the event loop gets a turn between hours.
 */
async function playUntil(workspace: SimWorkspace, until: number): Promise<void> {
  for (let t = workspace.now() + 3_600_000; t < until; t += 3_600_000) {
    workspace.advanceTo(t);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  workspace.advanceTo(Math.max(workspace.now(), until));
  await workspace.flush();
}

export async function resolveScenario(
  source: EmbeddedWorkspaceOptions['scenario'],
): Promise<{ scenario: Scenario; name: string }> {
  if ('file' in source) {
    const scenario = await loadScenario(source.file);
    return { scenario, name: scenario.name };
  }
  if ('jobs' in source) {
    const scenario = generateScenario({
      jobs: source.jobs,
      ...(source.hours ? { hours: source.hours } : {}),
    });
    return { scenario, name: scenario.name };
  }
  return { scenario: source.scenario, name: source.name ?? source.scenario.name };
}
