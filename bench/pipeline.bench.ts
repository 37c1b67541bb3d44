/**
 * Issue 3's benchmark: drives the monitoring pipeline the way production runs it — real HTTP webhook
 * deliveries to the real webhook route, the BullMQ dispatcher on a private `redis-server`, the real
 * stages (run observation over REST, detectors, correlator, triage, the incident store on PGlite in
 * memory, the console notifier) — against a generated 100,000-job workspace served over loopback by
 * `pipeline-fake-workspace.ts`. Prints figures only; never passes or fails on time.
 *
 *   npm run bench:pipeline
 *   npm run bench:pipeline -- --jobs 100000 --throughput-seconds 15 --latency-seconds 10 --failures 200
 *
 * Phase 1 (throughput): success and failure notifications (1 in 50 a failure) as fast as 64 concurrent
 * senders can deliver them; sustained events/s = run events fully processed by the webhook stage ÷ the
 * time from the first delivery until the queue has drained.
 * Phase 2 (latency): an open-loop schedule of `--failures` failure notifications per second (plus
 * `--background` success notifications per second); latency = from sending the webhook until its first
 * signal is stored in an incident (the signal stage's `onSignal`).
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { createBotApp } from '../src/cli/bot-app.js';
import { createHttpApp, listen } from '../src/cli/http-app.js';
import { WEBHOOK_PATH } from '../src/cli/webhook-route.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/config/logger.js';
import { defaultPolicy } from '../src/config/policy.js';
import { patAuth } from '../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../src/databricks/rest/databricks-client.js';
import { systemClock } from '../src/domain/clock.js';
import type { BullmqDispatcher } from '../src/jobs/dispatcher.js';
import { startRedisServer } from '../src/jobs/redis-server.js';
import { Prng } from '../src/sim/engine/prng.js';
import { openStore } from '../src/store/open-store.js';
import { startPostgresServer } from '../test/support/postgres-server.js';
import { startFakeWorkspace, WORKSPACE_ID } from './pipeline-fake-workspace.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    'throughput-seconds': { type: 'string', default: '15' },
    'latency-seconds': { type: 'string', default: '10' },
    failures: { type: 'string', default: '200' },
    background: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '64' },
    seed: { type: 'string', default: '7' },
    'database-url': { type: 'string' },
    /** Start a private PostgreSQL (Debian's server binaries) instead of PGlite. */
    postgres: { type: 'boolean', default: false },
  },
});
const JOBS = Number(values.jobs);
const THROUGHPUT_MS = Number(values['throughput-seconds']) * 1000;
const LATENCY_MS = Number(values['latency-seconds']) * 1000;
const FAILURES_PER_S = Number(values.failures);
const BACKGROUND_PER_S = Number(values.background);
const CONCURRENCY = Number(values.concurrency);
const AUTH = { username: 'dbxops', password: 'bench-webhook-secret' };
const AUTH_HEADER = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`;

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
const out = (line: string) => process.stdout.write(`${line}\n`);

const redis = await startRedisServer();
const workspace = await startFakeWorkspace(JOBS);
const postgres = values.postgres ? await startPostgresServer() : undefined;
const databaseUrl = values['database-url'] ?? (postgres ? await postgres.createDatabase() : undefined);
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir: 'memory://' });
const env = loadEnv({ LOG_LEVEL: 'silent' });
const logger = createLogger({ level: 'silent' });

/** Send time of each run's webhook, until its first signal is stored. */
const sentAt = new Map<string, number>();
const latencies: number[] = [];
let measuring = false;
let webhooksDone = 0;
let webhooksFailed = 0;

const app = createBotApp({
  env,
  policy: defaultPolicy(),
  clock: systemClock,
  logger,
  databricks: {
    client: createDatabricksClient({ host: workspace.url, auth: patAuth('dapi-bench'), clock: systemClock }),
    warehouse: workspace.warehouse,
    workspaceId: WORKSPACE_ID,
  },
  store,
  queue: { kind: 'bullmq', url: redis.url, prefix: `bench-${process.pid}`, workers: true },
  webhookCredentials: AUTH,
  onSignal: (signal, outcome) => {
    const runId = signal.refs.runId;
    if (runId === undefined || outcome === 'rejected') return;
    const sent = sentAt.get(runId);
    if (sent === undefined) return;
    sentAt.delete(runId);
    if (measuring) latencies.push(performance.now() - sent);
  },
});
const dispatcher = app.dispatcher as BullmqDispatcher<Record<string, unknown>>;
for (const worker of dispatcher.workers) {
  if (worker.name !== 'webhook') continue;
  worker.on('completed', () => webhooksDone++);
  worker.on('failed', () => webhooksFailed++);
}
const server = createHttpApp({ routes: app.routes, metrics: app.metrics.registry });
const { port } = await listen(server, 0, '127.0.0.1');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const prng = new Prng(Number(values.seed));
let seq = 0;
let refused = 0;

/** One webhook delivery for a random job's run; resolves with the HTTP status. */
function deliver(failed: boolean): Promise<number> {
  const job = prng.int(0, JOBS - 1);
  const runId = String(workspace.runId(job, seq++, failed));
  if (failed) sentAt.set(runId, performance.now());
  const body = JSON.stringify({
    event_type: failed ? 'jobs.on_failure' : 'jobs.on_success',
    workspace_id: WORKSPACE_ID,
    run: { run_id: runId },
    job: { job_id: String(workspace.jobId(job)), name: `job_${job}` },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: WEBHOOK_PATH,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: AUTH_HEADER,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 202) refused++;
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
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

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN);

try {
  out(
    `dbxops bench:pipeline — ${JOBS.toLocaleString('en-US')} jobs, node ${process.version}, redis ${redis.url}`,
  );
  out(
    `  store: ${store.dialect}${databaseUrl ? '' : ' (in memory)'}; webhook worker concurrency: BullMQ default`,
  );

  // Warm-up: the first webhook loads the topology (jobs/list over every job, lineage).
  const warm = performance.now();
  await deliver(false);
  await drained(300_000);
  out(`  topology load (first webhook)  ${((performance.now() - warm) / 1000).toFixed(1)} s`);

  // Phase 1: throughput.
  const before = webhooksDone;
  const started = performance.now();
  let sent = 0;
  const sender = async () => {
    while (performance.now() - started < THROUGHPUT_MS) {
      await deliver(++sent % 50 === 0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  const sendSeconds = (performance.now() - started) / 1000;
  await drained(120_000);
  const totalSeconds = (performance.now() - started) / 1000;
  const processed = webhooksDone - before;
  out(
    `  phase 1: ${sent.toLocaleString('en-US')} webhooks in ${sendSeconds.toFixed(1)} s (${Math.round(sent / sendSeconds).toLocaleString('en-US')}/s accepted), drained after ${totalSeconds.toFixed(1)} s`,
  );
  out(
    `  sustained run events/s        ${Math.round(processed / totalSeconds).toLocaleString('en-US')}  (${processed.toLocaleString('en-US')} processed end to end)`,
  );

  // Phase 2: latency under an open-loop 200 failures/s.
  sentAt.clear();
  measuring = true;
  const tickMs = 50;
  const perTickFailures = (FAILURES_PER_S * tickMs) / 1000;
  const perTickBackground = (BACKGROUND_PER_S * tickMs) / 1000;
  const inFlight: Promise<number>[] = [];
  const phase2 = performance.now();
  let failuresSent = 0;
  for (let tick = 0; tick * tickMs < LATENCY_MS; tick++) {
    const due = phase2 + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const failures = Math.floor((tick + 1) * perTickFailures) - Math.floor(tick * perTickFailures);
    const background = Math.floor((tick + 1) * perTickBackground) - Math.floor(tick * perTickBackground);
    for (let i = 0; i < failures; i++) inFlight.push(deliver(true));
    for (let i = 0; i < background; i++) inFlight.push(deliver(false));
    failuresSent += failures;
  }
  await Promise.all(inFlight);
  await drained(120_000);
  measuring = false;
  const sorted = [...latencies].sort((a, b) => a - b);
  out(
    `  phase 2: ${failuresSent.toLocaleString('en-US')} failures at ${FAILURES_PER_S}/s + ${BACKGROUND_PER_S}/s successes for ${LATENCY_MS / 1000} s; ${sorted.length.toLocaleString('en-US')} stored`,
  );
  out(
    `  webhook → incident stored     p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(0)} ms`,
  );
  const incidents = await app.repos.incidents.listOpen({ limit: 100_000 });
  out(`  open incidents                ${incidents.length.toLocaleString('en-US')}`);
  out(`  refused webhooks / failed jobs ${refused} / ${webhooksFailed}`);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  out(`  peak RSS (this process)       ${(peakRss / 1024 / 1024).toFixed(0)} MiB (redis-server runs apart)`);
} finally {
  clearInterval(sampler);
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await app.close();
  await store.close();
  await workspace.close();
  await redis.stop();
  await postgres?.stop();
}
