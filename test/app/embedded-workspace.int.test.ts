import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { runSimServe } from '../../src/app/sim-commands.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { DatabricksSqlWarehouse } from '../../src/databricks/databricks-sql-warehouse.js';
import {
  createDatabricksClient,
  type DatabricksClient,
} from '../../src/databricks/rest/databricks-client.js';
import { StatementExecutionWarehouse } from '../../src/databricks/statement-execution-warehouse.js';
import type { Warehouse } from '../../src/databricks/warehouse.js';
import { ManualClock } from '../../src/domain/clock.js';
import { ConfigError } from '../../src/domain/errors.js';
import { readBaselineHistory } from '../../src/agents/collector/read-baseline-history.js';
import { scenarioWith } from '../sim/fixtures.js';

const HOUR = 3_600_000;
const SCENARIO = { file: 'scenarios/demo.yaml' };

/** Trust the simulator's local CA in this process, as NODE_EXTRA_CA_CERTS does for `dbxops start`. */
function trustLocalCa(caCert: string): void {
  if (!getCACertificates('default').includes(caCert))
    setDefaultCACertificates([...getCACertificates('default'), caCert]);
}

async function count(warehouse: Warehouse, sql: string): Promise<number> {
  const { rows } = await warehouse.query(sql);
  return Number(Object.values(rows[0] ?? {})[0]);
}

async function restCounts(client: DatabricksClient): Promise<{ jobs: number; runs: number }> {
  let jobs = 0;
  for await (const _ of client.jobs.listJobs({ limit: 100 })) jobs++;
  let runs = 0;
  for await (const _ of client.jobs.listRuns({ completed_only: true, limit: 25 })) runs++;
  return { jobs, runs };
}

describe('the embedded workspace served over HTTPS', () => {
  let embedded: EmbeddedWorkspace;
  let client: DatabricksClient;
  let transports: Record<'statement-execution' | 'thrift', Warehouse>;

  beforeAll(async () => {
    embedded = await startEmbeddedWorkspace({ scenario: SCENARIO, seed: 42, speed: 0, tls: true });
    trustLocalCa(embedded.tls!.caCert);
    client = createDatabricksClient({ host: embedded.url, auth: patAuth(embedded.token) });
    const warehouseId = [...embedded.workspace.warehouses.byId.keys()][0]!;
    const url = new URL(embedded.url);
    transports = {
      'statement-execution': new StatementExecutionWarehouse({
        transport: client.transport,
        warehouseId,
        pollMs: 10,
      }),
      thrift: new DatabricksSqlWarehouse({
        host: url.hostname,
        port: Number(url.port),
        path: embedded.server.warehousePath(warehouseId),
        auth: { kind: 'pat', token: embedded.token },
      }),
    };
  });

  afterAll(async () => {
    await transports?.thrift.close();
    await transports?.['statement-execution'].close();
    await embedded?.close();
  });

  it.each(['statement-execution', 'thrift'] as const)(
    'answers %s with the jobs and runs the REST API lists, as the clock moves',
    async (kind) => {
      const ws = embedded.workspace;
      for (const hours of [3, 8]) {
        if (ws.now() < ws.startMs + hours * HOUR) ws.advanceTo(ws.startMs + hours * HOUR);
        const rest = await restCounts(client);
        expect(rest.runs).toBeGreaterThan(0);
        const sql = transports[kind];
        expect(await count(sql, 'SELECT count(DISTINCT job_id) FROM system.lakeflow.jobs')).toBe(rest.jobs);
        expect(
          await count(
            sql,
            'SELECT count(DISTINCT run_id) FROM system.lakeflow.job_run_timeline WHERE result_state IS NOT NULL',
          ),
        ).toBe(rest.runs);
        // Billing, warehouse events, query history, audit and lineage fill with the same clock.
        for (const table of [
          'system.billing.usage',
          'system.compute.warehouse_events',
          'system.query.history',
          'system.access.audit',
          'system.access.table_lineage',
        ]) {
          const rows = await count(
            sql,
            `SELECT count(*) FROM ${table} WHERE ${table === 'system.billing.usage' ? 'usage_end_time' : table === 'system.query.history' ? 'end_time' : 'event_time'} <= current_timestamp()`,
          );
          expect(rows, table).toBeGreaterThan(0);
        }
      }
    },
  );

  it('answers the newest rows at once: a statement sees everything up to the simulated now', async () => {
    const ws = embedded.workspace;
    const sql = transports['statement-execution'];
    const before = await count(sql, 'SELECT count(*) FROM system.lakeflow.job_run_timeline');
    ws.advanceTo(ws.now() + 2 * HOUR);
    const after = await count(sql, 'SELECT count(*) FROM system.lakeflow.job_run_timeline');
    expect(after).toBeGreaterThan(before);
    const latest = await embedded.warehouse.query(
      'SELECT max(period_end_time) AS latest FROM system.lakeflow.job_run_timeline',
    );
    expect(Date.parse(String(latest.rows[0]?.latest))).toBeGreaterThan(ws.now() - HOUR);
  });

  it('keeps a flush with nothing new cheap', async () => {
    const ws = embedded.workspace;
    await ws.flush();
    const n = 1000;
    const started = performance.now();
    for (let i = 0; i < n; i++) await ws.flush();
    const perFlushUs = ((performance.now() - started) / n) * 1000;
    // A figure, not a pass/fail on time: the machine is shared.
    process.stdout.write(`flush with nothing new: ${perFlushUs.toFixed(1)} µs\n`);
    expect(perFlushUs).toBeGreaterThan(0);
  });
});

describe('the embedded workspace on the wall clock', () => {
  it('places the scenario so that its hour is now, plays the history, then follows the wall clock', async () => {
    const wall = new ManualClock(Date.UTC(2027, 2, 14, 9, 41, 7));
    const embedded = await startEmbeddedWorkspace({
      scenario: SCENARIO,
      seed: 42,
      speed: 0,
      wallClock: { clock: wall, atHour: 30 },
    });
    try {
      const ws = embedded.workspace;
      expect(new Date(ws.startMs).toISOString()).toBe('2027-03-13T03:00:00.000Z');
      expect(ws.now()).toBe(wall.now());
      const played = await embedded.warehouse.query(
        'SELECT count(DISTINCT run_id) AS runs, max(period_end_time) AS latest FROM system.lakeflow.job_run_timeline',
      );
      expect(Number(played.rows[0]?.runs)).toBeGreaterThan(100);
      expect(Date.parse(String(played.rows[0]?.latest))).toBeLessThanOrEqual(wall.now());
      // The idle-warehouse fault began at +1h of the placed scenario.
      const fault = ws.faults().find((f) => f.id === 'platform-adhoc-no-autostop');
      expect(fault?.start_ms).toBe(ws.startMs + HOUR);

      wall.advance(25 * 60_000);
      await expect.poll(() => ws.now(), { timeout: 5000, interval: 50 }).toBe(wall.now());
    } finally {
      await embedded.close();
    }
  });

  it('keeps running the schedules after the scenario ends', async () => {
    const wall = new ManualClock(Date.UTC(2027, 2, 14, 9, 0, 0));
    const embedded = await startEmbeddedWorkspace({
      scenario: SCENARIO,
      seed: 42,
      speed: 0,
      wallClock: { clock: wall, atHour: 60 },
    });
    try {
      const ws = embedded.workspace;
      const after = await embedded.warehouse.query(
        'SELECT count(DISTINCT run_id) AS runs FROM system.lakeflow.job_run_timeline WHERE period_start_time >= :end',
        { params: { end: new Date(ws.endMs) } },
      );
      expect(Number(after.rows[0]?.runs)).toBeGreaterThan(10);
    } finally {
      await embedded.close();
    }
  });

  it('refuses --speed together with --wall-clock, and --at-hour without it', async () => {
    const base = { scenario: SCENARIO.file, port: 0, host: '127.0.0.1', seed: 42, token: 'dapi-sim-0000' };
    await expect(runSimServe({ ...base, wallClock: true, speed: 10 })).rejects.toThrow(
      /--speed cannot be used with --wall-clock/,
    );
    await expect(runSimServe({ ...base, atHour: 3 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('prints where the scenario was placed', async () => {
    const wall = new ManualClock(Date.UTC(2027, 2, 14, 9, 30, 0));
    let printed = '';
    await runSimServe(
      {
        scenario: SCENARIO.file,
        port: 0,
        host: '127.0.0.1',
        seed: 42,
        token: 'dapi-sim-0000',
        wallClock: true,
        atHour: 30,
      },
      { clock: wall, write: (text) => (printed += text), until: Promise.resolve() },
    );
    expect(printed).toContain('placed at 2027-03-13T03:00:00.000Z: now is its hour 30.50 of 48');
  });
});

describe('the embedded demo for a newcomer', () => {
  it('starts its clock shortly before the first failure, so the first incident comes within a minute', async () => {
    const embedded = await startEmbeddedWorkspace({
      scenario: SCENARIO,
      seed: 42,
      speed: 60,
      leadInMs: 25_000,
    });
    try {
      const first = embedded.firstFailure;
      expect(first?.jobName).toBe('finance_orders_daily');
      // 25 real seconds at 60× are 25 simulated minutes; the clock has run a little since start-up.
      const lead = (first?.at ?? 0) - embedded.workspace.now();
      expect(lead).toBeGreaterThan(20 * 60_000);
      expect(lead).toBeLessThanOrEqual(25 * 60_000);
      expect(embedded.workspace.now()).toBeGreaterThan(embedded.workspace.startMs + HOUR);
    } finally {
      await embedded.close();
    }
  });

  it('keeps the whole lead-in for when the bot is ready: with clockWaits the clock starts at startClock', async () => {
    const embedded = await startEmbeddedWorkspace({
      scenario: SCENARIO,
      seed: 42,
      speed: 60,
      leadInMs: 25_000,
      clockWaits: true,
    });
    try {
      const lead = () => (embedded.firstFailure?.at ?? 0) - embedded.workspace.now();
      // A slow start-up of everything else passes no simulated time.
      await new Promise((r) => setTimeout(r, 600));
      expect(lead()).toBe(25 * 60_000);
      embedded.server.sim.startClock();
      await expect.poll(lead, { timeout: 5_000 }).toBeLessThan(25 * 60_000);
    } finally {
      await embedded.close();
    }
  });

  it('plays from the scenario start when the first failure is closer than the lead-in', async () => {
    const embedded = await startEmbeddedWorkspace({
      scenario: SCENARIO,
      seed: 42,
      speed: 600,
      leadInMs: 25_000,
    });
    try {
      expect(embedded.workspace.now() - embedded.workspace.startMs).toBeLessThan(10 * 60_000);
    } finally {
      await embedded.close();
    }
  });

  it('serves a scenario with history from its start, its past already in the tables and run lists, with no webhook for it', async () => {
    const scenario = scenarioWith((x) => {
      x.history = { days: 2 };
      // The SQL warehouse a configured dbxops reads the system tables through.
      x.warehouses = [{ name: 'ops', team: 'finance', owner: 'alice@example.com' }];
    });
    const delivered: string[] = [];
    const embedded = await startEmbeddedWorkspace({
      scenario: { scenario },
      seed: 7,
      speed: 0,
      webhook: { url: 'http://127.0.0.1:9/hook' },
      fetch: async (input) => {
        delivered.push(String(input));
        return new Response(null, { status: 204 });
      },
    });
    const client = createDatabricksClient({ host: embedded.url, auth: patAuth(embedded.token) });
    const warehouseId = [...embedded.workspace.warehouses.byId.keys()][0];
    const statements = new StatementExecutionWarehouse({
      transport: client.transport,
      warehouseId: warehouseId ?? '',
      pollMs: 10,
    });
    try {
      const ws = embedded.workspace;
      expect(ws.now()).toBe(ws.startMs);
      expect(ws.historyStartMs).toBe(ws.startMs - 48 * HOUR);
      const rest = await restCounts(client);
      // The hourly job ran 48 times in the history; the run list keeps its last 50.
      expect(rest.runs).toBe(48);
      expect(delivered).toEqual([]);
      // A dbxops pointed at it as a real workspace reads the same past over Statement Execution as the
      // embedded one reads from DuckDB: the baselines its first poll takes in are the same.
      const [embeddedPast, configuredPast] = await Promise.all([
        readBaselineHistory({ warehouse: embedded.warehouse, workspaceId: ws.workspaceId }, ws.now()),
        readBaselineHistory({ warehouse: statements, workspaceId: ws.workspaceId }, ws.now()),
      ]);
      expect(embeddedPast.runs).toHaveLength(30);
      expect(configuredPast).toEqual(embeddedPast);
    } finally {
      await statements.close();
      await embedded.close();
    }
  });
});
