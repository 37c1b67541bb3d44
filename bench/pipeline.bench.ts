/**
 * Issue 3's benchmark: drives the monitoring pipeline the way production runs it — real HTTP webhook
 * deliveries to the real webhook route, the BullMQ dispatcher on a private `redis-server`, the real
 * stages (run observation over REST, detectors, correlator, triage, the incident store on PGlite in
 * memory, the console notifier) — against a generated 100,000-job workspace served over loopback by
 * `pipeline-fake-workspace.ts`. Databricks (that REST API and the webhook deliveries) runs in a child
 * process, `pipeline-databricks.ts`, as redis-server and PostgreSQL do: the figures are dbxops' own.
 * Prints figures only; never passes or fails on time.
 *
 *   npm run bench:pipeline
 *   npm run bench:pipeline -- --jobs 100000 --throughput-seconds 15 --latency-seconds 10 --failures 200
 *   npm run bench:pipeline -- --workers 2
 *   npm run bench:pipeline -- --workers 2 --workspaces 10 --jobs 10000
 *
 * By default dbxops runs in this one process, as `dbxops start` does. With `--workers N` this process is
 * `dbxops web` (the webhook intake and the card updates) and N child processes (`pipeline-worker.ts`)
 * are the `dbxops worker`s that take the webhooks, correlate and store, all on the one Redis and
 * PostgreSQL; the figures then count every dbxops process (CPU summed, RSS per process).
 *
 * With `--workspaces W` Databricks is W workspaces of `--jobs` jobs each, every one with its own id, REST
 * API, tables and webhook path and credentials (as `workspaces` entries of dbxops.yaml configure them);
 * deliveries go to a random one. Each dbxops process watches all of them and says how many topologies it
 * loaded per workspace and how much heap they hold (the heap after a full collection, before and after
 * the warm-up): a topology belongs in the processes that work that workspace's queues, once each.
 *
 * Phase 1 (throughput): success and failure notifications (1 in 50 a failure) as fast as 64 concurrent
 * senders can deliver them; sustained events/s = run events fully processed by the webhook stage ÷ the
 * time from the first delivery until the queue has drained.
 * Phase 2 (latency): an open-loop schedule of `--failures` failure notifications per second (plus
 * `--background` success notifications per second); latency = from sending the webhook until its first
 * signal is stored in an incident (the signal stage's `onSignal`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBotApp } from '../src/app/bot-app.js';
import { createHttpApp, listen } from '../src/app/http-app.js';
import { WEBHOOK_PATH } from '../src/app/databricks-webhook-route.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/config/logger.js';
import { defaultPolicy } from '../src/config/policy.js';
import { systemClock } from '../src/domain/clock.js';
import type { BullmqDispatcher } from '../src/jobs/bullmq-dispatcher.js';
import { startRedisServer } from '../src/jobs/redis-server.js';
import { openStore } from '../src/store/open-store.js';
import { startPostgresServer } from '../test/support/postgres-server.js';
import type { DatabricksCommand, DatabricksReport } from './pipeline-databricks.js';
import { heapAfterGc } from './heap-after-gc.js';
import { benchWorkspaces, webhookAuthOf, workspaceIdOf } from './pipeline-fake-workspace.js';
import type { WorkerCommand, WorkerReport } from './pipeline-worker.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    'throughput-seconds': { type: 'string', default: '15' },
    'latency-seconds': { type: 'string', default: '10' },
    failures: { type: 'string', default: '200' },
    background: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '64' },
    seed: { type: 'string', default: '7' },
    /** Worker processes beside this one (then `dbxops web`); 0: everything in this process. */
    workers: { type: 'string', default: '0' },
    /** Workspaces of `--jobs` jobs each, every dbxops process watching all of them. */
    workspaces: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
    /** Use PGlite in memory (the embedded default) instead of a private PostgreSQL. */
    pglite: { type: 'boolean', default: false },
    /** Write a CPU profile of dbxops during phase 2 to this file (open it in Chrome DevTools). */
    profile: { type: 'string' },
    /** The same for phase 1 (throughput). */
    'profile-throughput': { type: 'string' },
    /** Reach the private PostgreSQL over TCP loopback instead of its Unix socket. */
    tcp: { type: 'boolean', default: false },
    /** Print PostgreSQL's busiest statements of each phase (pg_stat_statements on the private server). */
    'pg-stats': { type: 'boolean', default: false },
    /**
     * A setting for the private PostgreSQL, `name=value`; repeatable. E.g. the plans of slow statements:
     * --pg-setting "shared_preload_libraries='pg_stat_statements,auto_explain'" --pg-setting
     * auto_explain.log_min_duration=5 --pg-setting auto_explain.log_analyze=on --pg-setting
     * logging_collector=on --pg-setting "log_directory='/tmp/pglog'" (a directory the postgres user can write).
     */
    'pg-setting': { type: 'string', multiple: true, default: [] },
  },
});
const JOBS = Number(values.jobs);
const WORKERS = Number(values.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 0) throw new Error('--workers takes a whole number, 0 or more');
if (WORKERS > 0 && values.pglite) {
  throw new Error(
    '--workers shares one store between processes: drop --pglite (PGlite lives in one process)',
  );
}
const WORKSPACES = Number(values.workspaces);
if (!Number.isInteger(WORKSPACES) || WORKSPACES < 1)
  throw new Error('--workspaces takes a whole number, 1 or more');

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
const out = (line: string) => process.stdout.write(`${line}\n`);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const memory = () => {
  const m = process.memoryUsage();
  return `rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}`;
};
const now = () => performance.timeOrigin + performance.now();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

/** Databricks: the fake workspace's REST API and the webhook sender, in a child process. */
const databricks: ChildProcess = fork(new URL('./pipeline-databricks.ts', import.meta.url), {
  execArgv: ['--import', 'tsx'],
  env: {
    ...process.env,
    BENCH_JOBS: String(JOBS),
    BENCH_SEED: values.seed,
    BENCH_WORKSPACES: String(WORKSPACES),
  },
});
const reports: DatabricksReport[] = [];
const waiters: { take: (r: DatabricksReport) => void; fail: (e: Error) => void }[] = [];
let databricksExit: Error | undefined;
databricks.on('message', (r: DatabricksReport) => {
  const waiter = waiters.shift();
  if (waiter) waiter.take(r);
  else reports.push(r);
});
// A Databricks process that dies ends the benchmark with the reason, instead of leaving it waiting.
databricks.once('exit', (code, signal) => {
  databricksExit = new Error(`the Databricks process exited (${signal ?? `code ${code}`})`);
  for (const waiter of waiters.splice(0)) waiter.fail(databricksExit);
});
/** The Databricks process's next report, which must be `type`; none within `timeoutMs` fails the run. */
function next<T extends DatabricksReport['type']>(
  type: T,
  timeoutMs = 600_000,
): Promise<Extract<DatabricksReport, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the Databricks process reported no ${type} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    timer.unref();
    const take = (r: DatabricksReport) => {
      clearTimeout(timer);
      if (r.type === type) resolve(r as Extract<DatabricksReport, { type: T }>);
      else reject(new Error(`got ${r.type}`));
    };
    const queued = reports.shift();
    if (queued) take(queued);
    else if (databricksExit) reject(databricksExit);
    else waiters.push({ take, fail: reject });
  });
}
const command = (c: DatabricksCommand) => databricks.send(c);

const ready = await next('ready');
const redis = await startRedisServer();
const postgres =
  values.pglite || values['database-url']
    ? undefined
    : await startPostgresServer({
        settings: [
          ...(values['pg-stats'] &&
          !values['pg-setting'].some((x) => x.startsWith('shared_preload_libraries='))
            ? ['shared_preload_libraries=pg_stat_statements']
            : []),
          ...values['pg-setting'],
        ],
      });
const databaseUrl =
  values['database-url'] ?? (postgres ? await postgres.createDatabase({ socket: !values.tcp }) : undefined);
const pgStats = values['pg-stats'] && databaseUrl ? await statementStats(databaseUrl) : undefined;
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir: 'memory://' });
const env = loadEnv({ LOG_LEVEL: 'silent' });
const prefix = `bench-${process.pid}`;
const logger = createLogger({ level: 'silent' });

/** When each run's first signal was stored in an incident (epoch ms). */
const storedAt = new Map<string, number>();
let webhooksDone = 0;
let webhookBatches = 0;
let webhooksFailed = 0;

const watched = benchWorkspaces(ready.urls, JOBS, true);
const app = await createBotApp({
  env,
  policy: defaultPolicy(),
  clock: systemClock,
  logger,
  databricks: watched.first,
  moreWorkspaces: watched.more,
  store,
  queue: { kind: 'bullmq', url: redis.url, prefix, role: WORKERS > 0 ? 'web' : 'all' },
  webhookCredentials: webhookAuthOf(0),
  onSignal: (signal, outcome) => {
    const runId = signal.refs.runId;
    if (runId === undefined || outcome === 'rejected' || storedAt.has(runId)) return;
    storedAt.set(runId, now());
  },
});
const dispatcher = app.dispatcher as BullmqDispatcher<Record<string, unknown>>;
for (const worker of dispatcher.workers) {
  if (worker.name !== 'webhook') continue;
  worker.on('completed', (job) => {
    const data = job.data as { notifications?: unknown[] };
    webhooksDone += data.notifications?.length ?? 1;
    webhookBatches++;
  });
  worker.on('failed', () => webhooksFailed++);
}

/** The `dbxops worker` processes, each with the replies it owes. */
const workers = await Promise.all(
  Array.from({ length: WORKERS }, async () => {
    const child = fork(new URL('./pipeline-worker.ts', import.meta.url), {
      env: {
        ...process.env,
        BENCH_JOBS: String(JOBS),
        BENCH_WORKSPACE_URLS: JSON.stringify(ready.urls),
        BENCH_REDIS_URL: redis.url,
        BENCH_PREFIX: prefix,
        BENCH_DATABASE_URL: databaseUrl ?? '',
      },
    });
    const replies: { take: (r: WorkerReport) => void; fail: (e: Error) => void }[] = [];
    child.on('message', (r: WorkerReport) => replies.shift()?.take(r));
    // A worker that dies ends the benchmark with the reason, instead of leaving it waiting.
    child.once('exit', (code, signal) => {
      const error = new Error(`a worker process exited (${signal ?? `code ${code}`})`);
      for (const r of replies.splice(0)) r.fail(error);
    });
    const reply = () =>
      new Promise<WorkerReport>((take, fail) => {
        replies.push({ take, fail });
      });
    const started = reply();
    await started;
    return {
      child,
      async report(clearStored = false, heap = false) {
        const answer = reply();
        child.send({ type: 'report', clearStored, heap } satisfies WorkerCommand);
        const r = await answer;
        if (r.type !== 'report') throw new Error(`a worker answered ${r.type}`);
        return r;
      },
    };
  }),
);
/** What the worker processes did so far: run events taken in, runs stored (taken out), CPU µs. */
async function workersSoFar(clearStored = false) {
  const reports = await Promise.all(workers.map((w) => w.report(clearStored)));
  for (const r of reports)
    for (const [runId, at] of r.stored) if (!storedAt.has(runId)) storedAt.set(runId, at);
  return {
    done: reports.reduce((n, r) => n + r.done, 0),
    batches: reports.reduce((n, r) => n + r.batches, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    cpuMicros: reports.reduce((n, r) => n + r.cpuMicros, 0),
    peakRss: reports.map((r) => r.peakRss),
    /** Per worker: run events taken in and CPU µs, to see the work spread over them. */
    each: reports.map((r) => ({ done: r.done, cpuMicros: r.cpuMicros })),
  };
}
/** Run events processed end to end so far, in whichever processes take the webhooks. */
const processedSoFar = async () => (WORKERS > 0 ? (await workersSoFar()).done : webhooksDone);
const server = createHttpApp({ routes: app.routes, metrics: app.metrics.registry });
const { port } = await listen(server, 0, '127.0.0.1');
// The first workspace on the path it always had; the others on their own (`/webhooks/databricks/<id>`).
command({
  type: 'target',
  targets: ready.urls.map((_, i) => {
    const { username, password } = webhookAuthOf(i);
    const path = i === 0 ? WEBHOOK_PATH : `${WEBHOOK_PATH}/${workspaceIdOf(i)}`;
    return { url: `http://127.0.0.1:${port}${path}`, auth: `${username}:${password}` };
  }),
});

/**
 * Each dbxops process's topologies (loads per workspace) and heap after a full collection; `base` is
 * the heap before any topology. The processes that take webhooks are the workers, or this one alone.
 */
async function topologies(base: readonly (number | undefined)[]) {
  const own = { name: WORKERS > 0 ? 'web' : 'dbxops', loads: watched.topologyLoads(), heap: heapAfterGc() };
  const others = await Promise.all(
    workers.map(async (w, i) => {
      const r = await w.report(false, true);
      return { name: `worker ${i + 1}`, loads: r.topologyLoads, heap: r.heap };
    }),
  );
  return [own, ...others].map((p, i) => ({
    ...p,
    growth: p.heap === undefined || base[i] === undefined ? undefined : p.heap - (base[i] ?? 0),
  }));
}
/** One line per process: topologies loaded (of how many workspaces, most loads of one) and heap grown. */
function printTopologies(label: string, held: Awaited<ReturnType<typeof topologies>>) {
  out(`  ${label}`);
  for (const p of held) {
    const loaded = p.loads.filter((n) => n > 0).length;
    const most = Math.max(0, ...p.loads);
    const heap =
      p.growth === undefined
        ? 'heap: run with --expose-gc'
        : `heap ${mib(p.heap ?? 0)}, +${mib(p.growth)} since start-up${loaded > 0 ? ` (${mib(p.growth / loaded)} a workspace)` : ''}`;
    out(
      `    ${p.name.padEnd(9)} topologies of ${loaded}/${WORKSPACES} workspaces${loaded === 0 ? '' : most > 1 ? `, up to ${most} loads of one` : ', each loaded once'}; ${heap}`,
    );
  }
}

async function drained(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const depths = await dispatcher.depths();
    const pending = depths
      .filter((d) => d.state === 'waiting' || d.state === 'active' || d.state === 'prioritized')
      .reduce((n, d) => n + d.count, 0);
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The V8 profiler over the inspector protocol, for one phase; `stop` writes the profile to `file`. */
async function startProfiler(file: string | undefined) {
  if (file === undefined) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile)),
  };
}

/** PostgreSQL's own account of where its time went, per statement, between two resets. */
async function statementStats(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    reset: () => client.query('SELECT pg_stat_statements_reset()'),
    async print(label: string) {
      const { rows } = await client.query<{
        calls: string;
        total: number;
        mean: number;
        max: number;
        query: string;
      }>(
        `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, max_exec_time AS max, query
         FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY total_exec_time DESC LIMIT 15`,
      );
      out(`  PostgreSQL, ${label}: calls, total ms, mean ms, max ms, statement`);
      for (const row of rows) {
        const query = row.query.replace(/\s+/g, ' ').slice(0, 110);
        out(
          `    ${row.calls.padStart(7)} ${row.total.toFixed(0).padStart(7)} ${row.mean.toFixed(3).padStart(8)} ${row.max.toFixed(1).padStart(7)}  ${query}`,
        );
      }
    },
    close: () => client.end(),
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN);

try {
  out(
    `dbxops bench:pipeline — ${JOBS.toLocaleString('en-US')} jobs, node ${process.version}, redis ${redis.url}`,
  );
  // The flags `npx dbxops` runs with (bin/dbxops.js); without them the figures are not dbxops' own.
  out(
    `  node flags: ${process.execArgv.filter((a) => a.startsWith('--max') || a.startsWith('--heap')).join(' ') || 'none'}`,
  );
  out(`  store: ${store.dialect}${databaseUrl ? '' : ' (in memory)'}`);
  out(
    WORKERS > 0
      ? `  processes: dbxops web (this one) + ${WORKERS} dbxops worker${WORKERS > 1 ? 's' : ''}`
      : '  processes: one (as dbxops start)',
  );

  if (WORKSPACES > 1)
    out(`  workspaces: ${WORKSPACES} of ${JOBS.toLocaleString('en-US')} jobs, each on its own webhook path`);
  const baseHeaps = [
    heapAfterGc(),
    ...(await Promise.all(workers.map(async (w) => (await w.report()).baseHeap))),
  ];

  // Warm-up: the first webhook of a workspace a process takes loads that workspace's topology (jobs/list
  // over every job, lineage); a delivery to each workspace at a time, until every process that takes
  // webhooks has loaded every workspace's (or 20 rounds a worker).
  const warm = performance.now();
  for (let i = 0; i < Math.max(1, 20 * WORKERS); i++) {
    command({ type: 'warm' });
    await next('warm');
    await drained(300_000);
    const loads =
      WORKERS === 0
        ? [watched.topologyLoads()]
        : (await Promise.all(workers.map((w) => w.report()))).map((r) => r.topologyLoads);
    if (loads.every((perWorkspace) => perWorkspace.every((n) => n > 0))) break;
  }
  out(`  topology load (warm-up)        ${((performance.now() - warm) / 1000).toFixed(1)} s; ${memory()}`);
  printTopologies('topologies held after the warm-up:', await topologies(baseHeaps));

  // Phase 1: throughput.
  await pgStats?.reset();
  const before = await processedSoFar();
  const batchesBefore = WORKERS > 0 ? (await workersSoFar()).batches : webhookBatches;
  const throughputProfiler = await startProfiler(values['profile-throughput']);
  const workersBefore = WORKERS > 0 ? await workersSoFar() : undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  command({
    type: 'throughput',
    ms: Number(values['throughput-seconds']) * 1000,
    concurrency: Number(values.concurrency),
  });
  const phase1 = await next('throughput');
  await drained(120_000);
  const totalSeconds = (performance.now() - started) / 1000;
  const processed = (await processedSoFar()) - before;
  const own = process.cpuUsage(cpuBefore);
  const workersAfter = workersBefore ? await workersSoFar() : undefined;
  const cpu = {
    user: own.user + (workersAfter && workersBefore ? workersAfter.cpuMicros - workersBefore.cpuMicros : 0),
    system: own.system,
  };
  await throughputProfiler?.stop();
  const batches = (workersAfter ? workersAfter.batches : webhookBatches) - batchesBefore;
  out(
    `  phase 1: ${phase1.sent.toLocaleString('en-US')} webhooks in ${phase1.seconds.toFixed(1)} s (${Math.round(phase1.sent / phase1.seconds).toLocaleString('en-US')}/s accepted, ${phase1.refused} refused), drained after ${totalSeconds.toFixed(1)} s`,
  );
  out(
    `  sustained run events/s        ${Math.round(processed / totalSeconds).toLocaleString('en-US')}  (${processed.toLocaleString('en-US')} processed end to end)`,
  );
  // Each queued batch costs its queue writes and its deduplication statement, whatever its size.
  out(
    `  webhook batches queued        ${batches.toLocaleString('en-US')} (${(processed / Math.max(1, batches)).toFixed(1)} run events each)`,
  );
  // Steadier than events/s when other tenants share the machine: dbxops' own CPU (all its threads, of
  // every dbxops process).
  out(
    `  dbxops CPU per run event      ${((cpu.user + cpu.system) / processed).toFixed(0)} µs (${((cpu.user + cpu.system) / 1e6 / totalSeconds).toFixed(2)} cores busy)`,
  );

  // How the work spread: the web process' own CPU, and each worker's events and CPU in phase 1.
  if (workersAfter && workersBefore) {
    const spread = workersAfter.each.map((w, i) => {
      const was = workersBefore.each[i] ?? { done: 0, cpuMicros: 0 };
      return `${(w.done - was.done).toLocaleString('en-US')} events / ${((w.cpuMicros - was.cpuMicros) / 1e6).toFixed(1)} s`;
    });
    out(
      `  phase 1 per process           web ${((own.user + own.system) / 1e6).toFixed(1)} s CPU; workers ${spread.join(', ')}`,
    );
  }
  await pgStats?.print('phase 1');

  // Phase 2: latency under an open-loop rate of failures.
  await pgStats?.reset();
  storedAt.clear();
  if (WORKERS > 0) await workersSoFar(true);
  storedAt.clear();
  loopDelay.enable();
  const profiler = await startProfiler(values.profile);
  command({
    type: 'latency',
    ms: Number(values['latency-seconds']) * 1000,
    failuresPerS: Number(values.failures),
    backgroundPerS: Number(values.background),
  });
  const phase2 = await next('latency');
  await drained(120_000);
  loopDelay.disable();
  await profiler?.stop();
  const fromWorkers = WORKERS > 0 ? await workersSoFar() : undefined;
  const latencies = phase2.sentAt
    .map(([runId, sent]) => (storedAt.get(runId) ?? Number.NaN) - sent)
    .filter((ms) => !Number.isNaN(ms))
    .sort((a, b) => a - b);
  out(
    `  phase 2: ${phase2.failures.toLocaleString('en-US')} failures at ${values.failures}/s + ${values.background}/s successes for ${values['latency-seconds']} s; ${latencies.length.toLocaleString('en-US')} stored`,
  );
  out(
    `  webhook → incident stored     p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms, max ${(latencies.at(-1) ?? Number.NaN).toFixed(0)} ms`,
  );
  out(
    `  event-loop delay (phase 2)    p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  await pgStats?.print('phase 2');
  const incidents = await app.repos.incidents.listOpen({ limit: 1_000 });
  out(`  open incidents                ${incidents.length >= 1_000 ? '1,000 or more' : incidents.length}`);
  out(`  failed webhook jobs           ${webhooksFailed + (fromWorkers?.failed ?? 0)}`);
  out(`  memory at the end             ${memory()}`);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  out(`  peak RSS (dbxops)             ${mib(peakRss)} (Databricks, redis-server and PostgreSQL run apart)`);
  if (fromWorkers) out(`  peak RSS (each worker)        ${fromWorkers.peakRss.map(mib).join(', ')}`);
  printTopologies('topologies held at the end:', await topologies(baseHeaps));
} finally {
  clearInterval(sampler);
  // Stopping waits for active jobs and open connections; should one never end, say so and leave.
  setTimeout(() => {
    console.error('bench:pipeline: stopping took over 60 s (a job or a connection never ended); exiting');
    process.exit(1);
  }, 60_000).unref();
  if (databricksExit === undefined) {
    const exited = once(databricks, 'exit');
    command({ type: 'stop' });
    // It closes its server and exits; one that has not within 10 s is stopped.
    const stopped = await Promise.race([exited, delay(10_000, false, { ref: false })]);
    if (stopped === false) databricks.kill('SIGKILL');
  }
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(
    workers.map(async (w) => {
      if (w.child.exitCode !== null) return;
      const exited = once(w.child, 'exit');
      w.child.send({ type: 'stop' } satisfies WorkerCommand);
      await exited;
    }),
  );
  await app.close();
  await store.close();
  await pgStats?.close();
  await redis.stop();
  await postgres?.stop();
}
