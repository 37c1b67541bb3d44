// @module-tag slow — a workspace and a bot for each of its tests (test/suite-sequencer.ts runs it first)
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { localOperator } from '../../src/app/console-auth-setup.js';
import type { BotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { makeSignal, type SignalDraft } from '../../src/domain/signal.js';
import { validateScenario } from '../../src/sim/scenario/load-scenario.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { baseScenario } from '../sim/fixtures.js';
import { embeddedBotApp } from '../support/embedded-databricks.js';

/**
 * A DLT update that hangs without an error, pressed from the console: the stuck update is stopped, a
 * new one (never a full refresh) runs to COMPLETED in the embedded workspace, and the incident
 * resolves. Only one new update ever starts, whatever the presses and the workspace's answers.
 */

const STEP_MS = 30_000;
const PIPELINE = 'reserves_dlt';

const policy: Policy = (() => {
  const base = defaultPolicy();
  return {
    ...base,
    access: { ...base.access, responders: ['*'] },
    routing: { ...base.routing, default_channel: '#incidents' },
    principals: { ...base.principals, console: { [localOperator()]: 'alice@example.com' } },
  };
})();

const DOWNSTREAM = 'main.finance.daily_revenue';

/**
 * The unit workspace with a pipeline of Alice's whose updates hang for six hours. With `job`, the only
 * job refreshes it at 00:02 in its first task and builds the revenue table from it in the next.
 */
function scenario(startedBy: 'schedule' | 'job' = 'schedule'): ScenarioInput {
  const s = baseScenario();
  if (startedBy === 'job') {
    s.jobs = [
      {
        name: 'revenue_nightly',
        team: 'finance',
        owner: 'alice@example.com',
        schedule: { quartz_cron_expression: '0 2 0 * * ?', timezone_id: 'UTC' },
        job_clusters: [{ key: 'build', node_type: 'i3.xlarge', workers: 2 }],
        tasks: [
          { key: 'refresh_orders', type: 'pipeline', pipeline: PIPELINE },
          {
            key: 'build_revenue',
            cluster: 'build',
            depends_on: ['refresh_orders'],
            reads: ['main.finance.orders'],
            writes: [DOWNSTREAM],
            duration: { mean_minutes: 5, jitter: 0.1 },
          },
        ],
      },
    ];
  }
  s.pipelines = [
    {
      name: PIPELINE,
      team: 'finance',
      owner: 'alice@example.com',
      reads: ['main.finance.raw_orders'],
      writes: ['main.finance.orders'],
      duration: { mean_minutes: 15, jitter: 0.1 },
    },
  ];
  s.faults = [
    {
      id: 'hang',
      kind: 'pipeline_hang',
      target: { pipeline: PIPELINE },
      start: '+0h',
      end: '+6h',
      expected: { category: 'timeout', severity: 'P1', action: 'RETRY' },
    },
  ];
  return s;
}

interface World {
  readonly embedded: EmbeddedWorkspace;
  readonly store: Store;
  readonly app: BotApp;
  readonly server: Server;
  readonly url: string;
  readonly incidentId: string;
  readonly pipelineId: string;
  readonly stuckUpdateId: string;
  settle(): Promise<void>;
  until(done: () => Promise<boolean>, maxSteps?: number): Promise<void>;
  close(): Promise<void>;
}

async function world(
  signalKind: 'duration_anomaly' | 'pipeline_failed' = 'duration_anomaly',
  fetchOverride?: typeof fetch,
  startedBy: 'schedule' | 'job' = 'schedule',
): Promise<World> {
  const embedded = await startEmbeddedWorkspace({
    scenario: { scenario: validateScenario(scenario(startedBy), 'pipeline-restart.yaml') },
    seed: 7,
    speed: 0,
  });
  const ws = embedded.workspace;
  const pipeline = ws.pipelines.byName.get(PIPELINE);
  if (pipeline === undefined) throw new Error(`no pipeline ${PIPELINE}`);
  ws.advanceBy(60_000);
  // Its schedule's update (or the job's, started by its pipeline task at 00:02): the hang holds it
  // RUNNING, with no error, far past its usual 15 minutes.
  const stuck =
    startedBy === 'schedule'
      ? ws.pipelines.startUpdate(pipeline.pipelineId, { cause: 'SCHEDULE', user: 'alice@example.com' })
      : undefined;
  ws.advanceBy(90 * 60_000);
  const stuckUpdateId = stuck?.updateId ?? pipeline.active?.updateId;
  if (stuckUpdateId === undefined) throw new Error(`no update of ${PIPELINE} is going`);
  const store = await openStore({ dataDir: 'memory://' });
  const app = await embeddedBotApp(embedded, store, {
    policy,
    client: { retry: { maxAttempts: 3 }, ...(fetchOverride === undefined ? {} : { fetch: fetchOverride }) },
    webhookCredentials: { username: 'dbxops', password: 'pipeline-restart-secret' },
  });
  const server = createHttpApp({ routes: app.routes });
  const address = await listen(server, 0, '127.0.0.1');
  const draft: SignalDraft = {
    source: 'poll',
    dedupKey: `pipeline-update:${stuckUpdateId}:${signalKind}`,
    workspaceId: ws.workspaceId,
    kind: signalKind,
    severityHint: 'P2',
    observedAt: ws.now(),
    occurredAt: ws.now(),
    subject: { type: 'pipeline', id: pipeline.pipelineId, name: PIPELINE },
    refs: { pipelineId: pipeline.pipelineId },
    ...(signalKind === 'pipeline_failed'
      ? {
          error: { message: 'AnalysisException: Table or view not found: raw_orders' },
          classification: { category: 'missing_object', transient: false, rule: 'analysis.missing' },
        }
      : {}),
  };
  const signal = makeSignal(draft);
  if (!signal.ok) throw new Error(signal.userMessage);
  const incidentId = `inc_pipe${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const opened = await app.repos.incidents.openWithSignal(
    {
      id: incidentId,
      workspaceId: ws.workspaceId,
      fingerprint: `fp-${randomUUID().slice(0, 12)}`,
      title: `${PIPELINE} update running long`,
      severity: 'P2',
      team: 'finance',
      openedAt: ws.now(),
      rootCauseSignalId: signal.value.id,
    },
    { signal: signal.value, linkKeys: [], now: ws.now() },
    [],
  );
  if (!opened.ok) throw new Error(opened.userMessage);
  const settle = async () => {
    for (let i = 0; i < 3; i++) await app.drain?.();
  };
  await app.dispatcher.dispatch('notify', { incidentId });
  await settle();
  return {
    embedded,
    store,
    app,
    server,
    url: `http://127.0.0.1:${address.port}`,
    incidentId,
    pipelineId: pipeline.pipelineId,
    stuckUpdateId,
    settle,
    async until(done, maxSteps = 240) {
      for (let i = 0; i < maxSteps && !(await done()); i++) {
        ws.advanceBy(STEP_MS);
        await settle();
      }
    },
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await embedded.close();
    },
  };
}

const RESTART = 'restart_pipeline_update';

async function press(w: World, remediationId = RESTART): Promise<string> {
  const incident = await w.app.repos.incidents.get(w.incidentId);
  const value = encodeButtonValue({
    kind: 'plan',
    action: 'run_plan',
    incidentId: w.incidentId,
    version: incident?.version ?? 1,
    remediationId,
  });
  const res = await fetch(`${w.url}/api/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channelId: 'incidents',
      messageId: `m${Math.floor(Math.random() * 1e15)}`,
      actionId: 'dbx:run_plan',
      value,
      requestId: randomUUID(),
    }),
  });
  return JSON.stringify(await res.json());
}

const finished = (w: World) => async () => {
  const attempts = await w.app.repos.remediations.listForIncident(w.incidentId);
  return (
    attempts.length > 0 &&
    attempts.every((a) => ['recovered', 'applied', 'failed', 'unknown'].includes(a.state))
  );
};

/** The updates after the stuck one, as the workspace holds them. */
function newUpdates(w: World) {
  const p = w.embedded.workspace.pipelines.get(w.pipelineId);
  const at = p.updates.findIndex((u) => u.updateId === w.stuckUpdateId);
  return p.updates.slice(at + 1);
}

async function consoleCard(w: World): Promise<string> {
  const res = await fetch(`${w.url}/api/channels/incidents/messages`);
  const { messages } = (await res.json()) as { messages: { html: string }[] };
  return messages.filter((m) => m.html.includes(w.incidentId)).at(-1)?.html ?? '';
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('a pipeline update that hangs without an error', () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it('offers the restart on its card, stops the stuck update, completes a new one that is no full refresh, and resolves', async () => {
    w = await world();
    expect(await consoleCard(w)).toContain('Restart the pipeline update');
    await press(w);
    await w.settle();
    await w.until(finished(w));
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
    const stuck = w.embedded.workspace.pipelines
      .get(w.pipelineId)
      .updates.find((u) => u.updateId === w.stuckUpdateId);
    expect(stuck?.result).toBe('CANCELED');
    const fresh = newUpdates(w);
    expect(fresh.map((u) => ({ result: u.result, fullRefresh: u.fullRefresh }))).toEqual([
      { result: 'COMPLETED', fullRefresh: false },
    ]);
    expect((await w.app.repos.incidents.get(w.incidentId))?.state).toBe('resolved');
    expect(attempt?.runbook).toContain(
      `databricks pipelines start-update '${w.pipelineId}' --full-refresh=false`,
    );
    expect(attempt?.runbook).not.toContain(w.embedded.token);
  }, 120_000);

  it('starts one new update when Run is pressed twice', async () => {
    w = await world();
    await press(w);
    await press(w);
    await w.settle();
    await w.until(finished(w));
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(1);
    expect(newUpdates(w)).toHaveLength(1);
  }, 120_000);

  it('retries a 429 and a 500 that came after the update started, and starts one new update', async () => {
    let throttled = 0;
    let failedAfterActing = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.method === 'POST' && /\/api\/2\.0\/pipelines\/[^/]+\/updates$/.test(url)) {
        if (throttled < 2) {
          throttled++;
          return json(
            429,
            { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests' },
            {
              'retry-after': '1',
            },
          );
        }
        if (failedAfterActing < 1) {
          failedAfterActing++;
          await fetch(input, init);
          return json(500, { error_code: 'INTERNAL_ERROR', message: 'Internal error' });
        }
      }
      return fetch(input, init);
    };
    w = await world('duration_anomaly', flaky);
    await press(w);
    await w.settle();
    await w.until(finished(w));
    expect({ throttled, failedAfterActing }).toEqual({ throttled: 2, failedAfterActing: 1 });
    expect(newUpdates(w)).toHaveLength(1);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
  }, 120_000);

  it('waits for a stop that takes its time before starting the new update', async () => {
    let stopped = false;
    let stillStopping = 0;
    const startedAfter: number[] = [];
    const slowStop: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.method === 'POST' && url.endsWith('/updates')) startedAfter.push(stillStopping);
      const res = await fetch(input, init);
      if (init?.method === 'POST' && url.endsWith('/stop')) stopped = true;
      // The first two reads after the stop still show the stuck update ending, as Databricks does.
      if (
        stopped &&
        stillStopping < 2 &&
        (init?.method ?? 'GET') === 'GET' &&
        /\/pipelines\/[^/?]+$/.test(url)
      ) {
        stillStopping++;
        const body = (await res.json()) as { latest_updates?: { state?: string }[] };
        const [latest] = body.latest_updates ?? [];
        if (latest !== undefined) latest.state = 'STOPPING';
        return json(200, body);
      }
      return res;
    };
    w = await world('duration_anomaly', slowStop);
    await press(w);
    await w.settle();
    await w.until(finished(w));
    // Sent once, and only once the stopped update no longer read as ending.
    expect(startedAfter).toEqual([2]);
    expect(newUpdates(w)).toHaveLength(1);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
  }, 120_000);

  it('gives up on a workspace that keeps throttling, says nothing was sent, and starts nothing', async () => {
    let throttled = 0;
    const busy: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/stop')) {
        throttled++;
        return json(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests' });
      }
      return fetch(input, init);
    };
    w = await world('duration_anomaly', busy);
    await press(w);
    await w.settle();
    await w.until(finished(w));
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('failed');
    expect(attempt?.outcome?.summary).toContain('nothing was sent');
    // The transport's own retries come on top of the runner's nine tries.
    expect(throttled).toBeGreaterThanOrEqual(9);
    expect(newUpdates(w)).toHaveLength(0);
    const timeline = await w.app.repos.incidents.timeline(w.incidentId);
    expect(timeline.map((e) => e.summary).join('\n')).toContain(
      'still answered busy or with a server error after 9 tries',
    );
  }, 120_000);

  it('is not offered for a pipeline that failed with an error, and a forged press is refused', async () => {
    w = await world('pipeline_failed');
    expect(await consoleCard(w)).not.toContain('Restart the pipeline update');
    expect(await press(w)).toContain('does not offer');
    await w.settle();
    expect(newUpdates(w)).toHaveLength(0);
  }, 120_000);
});

/** The job run whose pipeline task started the stuck update. */
function startingRun(w: World) {
  const stuck = w.embedded.workspace.pipelines
    .get(w.pipelineId)
    .updates.find((u) => u.updateId === w.stuckUpdateId);
  if (stuck?.triggeredBy === undefined) throw new Error('the stuck update was not started by a job');
  return w.embedded.workspace.getRun(stuck.triggeredBy.runId);
}

/** When the workspace last wrote `table`, from its lineage (epoch ms; 0 for never). */
async function lastWritten(w: World, table: string): Promise<number> {
  const { rows } = await w.embedded.warehouse.query(
    `SELECT max(event_time) AS at FROM system.access.table_lineage WHERE target_table_full_name = '${table}'`,
  );
  const at = rows[0]?.at;
  return at === null || at === undefined ? 0 : new Date(at as string | number).getTime();
}

/**
 * A workspace whose job run still reads as ending for the first `reads` looks after the pipeline's
 * stop, as Databricks may; `repairedAfter` records how many such looks came before each repair.
 */
function runStillEndingAfterStop(reads: number) {
  let stopped = false;
  let stillGoing = 0;
  const repairedAfter: number[] = [];
  const ending: typeof fetch = async (input, init) => {
    const url = String(input);
    if (init?.method === 'POST' && url.endsWith('/runs/repair')) repairedAfter.push(stillGoing);
    const res = await fetch(input, init);
    if (init?.method === 'POST' && url.endsWith('/stop')) stopped = true;
    if (
      stopped &&
      stillGoing < reads &&
      (init?.method ?? 'GET') === 'GET' &&
      url.includes('/jobs/runs/get?')
    ) {
      stillGoing++;
      const body = (await res.json()) as Record<string, unknown>;
      return json(200, {
        ...body,
        state: { life_cycle_state: 'TERMINATING' },
        status: { state: 'TERMINATING' },
      });
    }
    return res;
  };
  return { fetch: ending, repairedAfter };
}

describe("a pipeline update a job's pipeline task started that hangs", () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it('stops it, repairs the run once it has ended, and the table after it is written again', async () => {
    w = await world('duration_anomaly', undefined, 'job');
    const pressedAt = w.embedded.workspace.now();
    await press(w);
    await w.settle();
    await w.until(finished(w));
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
    const run = startingRun(w);
    expect(run.repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    expect(run.result).toBe('SUCCESS');
    // The repaired pipeline task started the one new update, as a job's task: never a full refresh.
    expect(
      newUpdates(w).map((u) => ({ result: u.result, fullRefresh: u.fullRefresh, run: u.triggeredBy?.runId })),
    ).toEqual([{ result: 'COMPLETED', fullRefresh: false, run: run.runId }]);
    expect(await lastWritten(w, DOWNSTREAM)).toBeGreaterThan(pressedAt);
    expect((await w.app.repos.incidents.get(w.incidentId))?.state).toBe('resolved');
    expect(attempt?.runbook).toContain(`databricks jobs get-run ${run.runId}`);
  }, 120_000);

  it('waits for the run to end after the stop before repairing it', async () => {
    const ending = runStillEndingAfterStop(2);
    w = await world('duration_anomaly', ending.fetch, 'job');
    await press(w);
    await w.settle();
    await w.until(finished(w));
    expect(ending.repairedAfter).toEqual([2]);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
  }, 120_000);

  it('repairs nothing when the run never ends after the stop, and says the attempt was left part-way', async () => {
    const ending = runStillEndingAfterStop(Number.POSITIVE_INFINITY);
    w = await world('duration_anomaly', ending.fetch, 'job');
    await press(w);
    await w.settle();
    await w.until(finished(w));
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('unknown');
    expect(attempt?.outcome?.summary).toContain('had not ended after 10 minutes');
    const timeline = await w.app.repos.incidents.timeline(w.incidentId);
    expect(timeline.map((e) => e.summary).join('\n')).toContain('Outcome unknown');
    expect(ending.repairedAfter).toEqual([]);
    expect((await w.app.repos.incidents.get(w.incidentId))?.state).not.toBe('mitigating');
  }, 120_000);

  it('repairs the run once when the repair was accepted but answered with a 500', async () => {
    let failedAfterActing = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (
        init?.method === 'POST' &&
        String(input).endsWith('/api/2.2/jobs/runs/repair') &&
        failedAfterActing < 1
      ) {
        failedAfterActing++;
        await fetch(input, init);
        return json(500, { error_code: 'INTERNAL_ERROR', message: 'Internal error' });
      }
      return fetch(input, init);
    };
    w = await world('duration_anomaly', flaky, 'job');
    await press(w);
    await press(w);
    await w.settle();
    await w.until(finished(w));
    expect(failedAfterActing).toBe(1);
    expect(startingRun(w).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    expect(newUpdates(w)).toHaveLength(1);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
  }, 120_000);
});
