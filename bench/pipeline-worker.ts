/**
 * One `dbxops worker` of `pipeline.bench.ts --workers N`, in its own process: the bot app with the
 * worker's role (webhooks, polls, correlation, remediation from the shared queues) on the benchmark's
 * Redis and PostgreSQL, against the fake 100,000-job workspace. It is built the way `dbxops worker`
 * builds itself (`createBotApp` with role `worker`), with the benchmark's lineage warehouse in place of
 * a SQL warehouse. It watches every fake workspace (`BENCH_WORKSPACE_URLS`), as one deployment's
 * `workspaces` entries make every worker do. The parent asks for a `report` (run events taken in, first
 * signal stored per run, CPU, peak RSS, topologies loaded, and on asking the heap after a full
 * collection) and says `stop`.
 */
import { createBotApp } from '../src/app/bot-app.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/config/logger.js';
import { defaultPolicy } from '../src/config/policy.js';
import { systemClock } from '../src/domain/clock.js';
import type { BullmqDispatcher } from '../src/jobs/bullmq-dispatcher.js';
import { openStore } from '../src/store/open-store.js';
import { heapAfterGc } from './heap-after-gc.js';
import { benchWorkspaces } from './pipeline-fake-workspace.js';

export type WorkerCommand =
  /** `heap`: collect garbage first and say the heap that survives (not during a measured phase). */
  { type: 'report'; clearStored: boolean; heap?: boolean } | { type: 'stop' };

export type WorkerReport =
  | { type: 'ready' }
  | {
      type: 'report';
      /** Run notifications whose webhook job completed here, since start. */
      done: number;
      /** Webhook jobs (queued batches of notifications) completed here, since start. */
      batches: number;
      failed: number;
      /** Each run's first signal stored in an incident here (epoch ms), since the last clearing report. */
      stored: [string, number][];
      /** CPU time of this process since start (all its threads), µs. */
      cpuMicros: number;
      peakRss: number;
      /** Topology loads per workspace here, since start (each workspace's topology is held once a load). */
      topologyLoads: number[];
      /** Heap used after a full collection, when asked; at start-up, before any topology, in `baseHeap`. */
      heap?: number | undefined;
      baseHeap: number | undefined;
    };

const env = process.env;
const now = () => performance.timeOrigin + performance.now();
const send = (report: WorkerReport) => process.send?.(report);

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

const store = await openStore({ databaseUrl: env.BENCH_DATABASE_URL ?? '' });
const workspaces = benchWorkspaces(
  JSON.parse(env.BENCH_WORKSPACE_URLS ?? '[]'),
  Number(env.BENCH_JOBS),
  false,
);
const stored = new Map<string, number>();
let done = 0;
let batches = 0;
let failed = 0;
const app = await createBotApp({
  env: loadEnv({ LOG_LEVEL: 'silent' }),
  policy: defaultPolicy(),
  clock: systemClock,
  logger: createLogger({ level: 'silent' }),
  databricks: workspaces.first,
  moreWorkspaces: workspaces.more,
  store,
  queue: { kind: 'bullmq', url: env.BENCH_REDIS_URL ?? '', prefix: env.BENCH_PREFIX ?? '', role: 'worker' },
  webhookCredentials: null,
  onSignal: (signal, outcome) => {
    const runId = signal.refs.runId;
    if (runId === undefined || outcome === 'rejected' || stored.has(runId)) return;
    stored.set(runId, now());
  },
});
const dispatcher = app.dispatcher as BullmqDispatcher<Record<string, unknown>>;
for (const worker of dispatcher.workers) {
  if (worker.name !== 'webhook') continue;
  worker.on('completed', (job) => {
    const data = job.data as { notifications?: unknown[] };
    done += data.notifications?.length ?? 1;
    batches++;
  });
  worker.on('failed', () => failed++);
}

const baseHeap = heapAfterGc();
process.on('message', async (command: WorkerCommand) => {
  if (command.type === 'report') {
    const cpu = process.cpuUsage();
    send({
      type: 'report',
      done,
      batches,
      failed,
      stored: [...stored],
      cpuMicros: cpu.user + cpu.system,
      peakRss: Math.max(peakRss, process.memoryUsage.rss()),
      topologyLoads: workspaces.topologyLoads(),
      heap: command.heap ? heapAfterGc() : undefined,
      baseHeap,
    });
    if (command.clearStored) stored.clear();
    return;
  }
  clearInterval(sampler);
  await app.close();
  await store.close();
  process.exit(0);
});
send({ type: 'ready' });
