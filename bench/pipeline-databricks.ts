/**
 * The Databricks side of `pipeline.bench.ts`, in its own process so that dbxops' figures (CPU, RSS) are
 * its own: the fake workspace's REST API and the webhook deliveries Databricks would send. The parent
 * drives it over IPC: `target` (where to deliver), `warm` (one delivery per workspace), `throughput` (closed loop), `latency` (open loop); each
 * answers with what it sent. With `BENCH_WORKSPACES` > 1 it serves that many workspaces, each on its own
 * port, and each delivery goes to a random one's webhook path with that workspace's credentials. Send times are epoch ms with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), comparable across processes on one machine.
 */
import { Agent, request } from 'node:http';
import { Prng } from '../src/sim/engine/prng.js';
import { startFakeWorkspace, workspaceIdOf } from './pipeline-fake-workspace.js';

export type DatabricksCommand =
  /** Where each workspace's webhooks go (in workspace order), and the Basic credentials (`user:password`) to send. */
  | { type: 'target'; targets: { url: string; auth: string }[] }
  | { type: 'warm' }
  | { type: 'throughput'; ms: number; concurrency: number }
  | { type: 'latency'; ms: number; failuresPerS: number; backgroundPerS: number }
  | { type: 'stop' };

export type DatabricksReport =
  /** The workspaces' REST API base URLs, in workspace order. */
  | { type: 'ready'; urls: string[] }
  | { type: 'warm'; statuses: number[] }
  | { type: 'throughput'; sent: number; refused: number; seconds: number }
  | { type: 'latency'; failures: number; refused: number; sentAt: [string, number][] };

const env = process.env;
const JOBS = Number(env.BENCH_JOBS);
const WORKSPACES = Number(env.BENCH_WORKSPACES ?? 1);
const now = () => performance.timeOrigin + performance.now();
const send = (report: DatabricksReport) => process.send?.(report);

const workspaces = await Promise.all(Array.from({ length: WORKSPACES }, () => startFakeWorkspace(JOBS)));
const prng = new Prng(Number(env.BENCH_SEED ?? 7));
let targets: { url: URL; authHeader: string }[] = [];
let agent = new Agent({ keepAlive: true, maxSockets: 64 });
let seq = 0;
let refused = 0;

/**
 * One webhook delivery for a random job's run, of workspace `to` (default a random one): its run id and
 * the HTTP status. Run ids are distinct across workspaces (one sequence for all).
 */
function deliver(failed: boolean, sentAt?: Map<string, number>, to?: number): Promise<number> {
  // One workspace draws no workspace: its deliveries are the ones it always had for a seed.
  const w = to ?? (WORKSPACES === 1 ? 0 : prng.int(0, WORKSPACES - 1));
  const workspace = workspaces[w];
  const target = targets[w];
  if (workspace === undefined || target === undefined) throw new Error(`no target for workspace ${w}`);
  const job = prng.int(0, JOBS - 1);
  const runId = String(workspace.runId(job, seq++, failed));
  const body = JSON.stringify({
    event_type: failed ? 'jobs.on_failure' : 'jobs.on_success',
    workspace_id: workspaceIdOf(w),
    run: { run_id: runId },
    job: { job_id: String(workspace.jobId(job)), name: `job_${job}` },
  });
  sentAt?.set(runId, now());
  return post(target, body, true);
}

/**
 * POSTs one delivery. A kept-alive connection the server closed while it sat idle (Node's server closes
 * them after 5 s, as between two phases) resets when reused: that one is sent again on a fresh
 * connection once, as Databricks would redeliver it.
 */
function post(target: { url: URL; authHeader: string }, body: string, retry: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.url.hostname,
        port: target.url.port,
        path: target.url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: target.authHeader,
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
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && req.reusedSocket && error.code === 'ECONNRESET') resolve(post(target, body, false));
      else reject(error);
    });
    req.end(body);
  });
}

async function throughput(ms: number, concurrency: number): Promise<DatabricksReport> {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  refused = 0;
  const started = performance.now();
  let sent = 0;
  const sender = async () => {
    while (performance.now() - started < ms) await deliver(++sent % 50 === 0);
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return { type: 'throughput', sent, refused, seconds: (performance.now() - started) / 1000 };
}

async function latency(ms: number, failuresPerS: number, backgroundPerS: number): Promise<DatabricksReport> {
  refused = 0;
  const sentAt = new Map<string, number>();
  const tickMs = 50;
  const inFlight: Promise<number>[] = [];
  const started = performance.now();
  let failures = 0;
  for (let tick = 0; tick * tickMs < ms; tick++) {
    const wait = started + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const due = (rate: number) =>
      Math.floor(((tick + 1) * rate * tickMs) / 1000) - Math.floor((tick * rate * tickMs) / 1000);
    for (let i = due(failuresPerS); i > 0; i--, failures++) inFlight.push(deliver(true, sentAt));
    for (let i = due(backgroundPerS); i > 0; i--) inFlight.push(deliver(false));
  }
  await Promise.all(inFlight);
  return { type: 'latency', failures, refused, sentAt: [...sentAt] };
}

process.on('message', async (command: DatabricksCommand) => {
  switch (command.type) {
    case 'target':
      targets = command.targets.map((t) => ({
        url: new URL(t.url),
        authHeader: `Basic ${Buffer.from(t.auth).toString('base64')}`,
      }));
      return;
    case 'warm':
      return send({
        type: 'warm',
        statuses: await Promise.all(workspaces.map((_, w) => deliver(false, undefined, w))),
      });
    case 'throughput':
      return send(await throughput(command.ms, command.concurrency));
    case 'latency':
      return send(await latency(command.ms, command.failuresPerS, command.backgroundPerS));
    case 'stop':
      agent.destroy();
      await Promise.all(workspaces.map((w) => w.close()));
      process.disconnect();
  }
});
send({ type: 'ready', urls: workspaces.map((w) => w.url) });
