import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import { makeSignal, type SignalDraft } from '../../src/domain/signal.js';
import { validateScenario } from '../../src/sim/scenario/load-scenario.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { isPosted } from '../../src/store/card-post-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ALICE, blockAction, SIGNING_SECRET, signed } from '../fixtures/slack/slack-requests.js';
import { CHANNEL_ID, cardAction, USER_AAD_ID } from '../fixtures/teams/activities.js';
import { localOperator } from '../../src/app/console-auth-setup.js';
import { baseScenario } from '../sim/fixtures.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';

/**
 * A remediation pressed on each surface runs against the embedded workspace, is verified there, and
 * every copy of the incident card (Slack, Teams, console) shows the verified outcome; the runbook entry
 * lands in the thread. Presses arrive the way each platform sends them (signed Slack requests, Teams
 * invokes through the fake Bot Connector, console posts).
 */

const CHANNEL = '#incidents';
const FORM = 'application/x-www-form-urlencoded';
const STEP_MS = 30_000;

let fakeSlack: FakeSlack;
let connector: FakeBotConnector;

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  fakeSlack.addUser(ALICE, { name: 'alice', realName: 'Alice Example', email: 'alice@example.com' });
  connector = await startFakeBotConnector();
});
afterAll(async () => {
  await connector?.close();
  await fakeSlack?.close();
});

/** Alice (the job's owner in the unit workspace) on every surface, so her own rights are checked. */
const policy: Policy = (() => {
  const base = defaultPolicy();
  return {
    ...base,
    access: { ...base.access, responders: ['*'] },
    // Teams posts to conversation ids only: the channel the recorded invokes come from.
    routing: { ...base.routing, default_channel: CHANNEL, channels: { [CHANNEL]: { teams: CHANNEL_ID } } },
    principals: {
      slack: { [ALICE]: 'alice@example.com' },
      teams: { [USER_AAD_ID]: 'alice@example.com' },
      console: { [localOperator()]: 'alice@example.com' },
    },
  };
})();

type FaultInput = NonNullable<ScenarioInput['faults']>[number];

/** The unit workspace with one fault on the extract task of `orders_etl`. */
function scenario(fault: Omit<FaultInput, 'id' | 'target' | 'start'>): ScenarioInput {
  const s = baseScenario();
  s.faults = [
    { id: 'f1', target: { job: 'orders_etl', task: 'extract' }, start: '+0h', ...fault } as FaultInput,
  ];
  return s;
}

/** A transient conflict: a repair (a manual run) gets past it. */
const TRANSIENT = scenario({
  kind: 'concurrency_conflict',
  occurrences: 1,
  expected: { category: 'concurrency', severity: 'P2', action: 'RETRY' },
});

/** A missing table: every attempt fails the same way, whatever is retried. */
const PERMANENT = scenario({
  kind: 'task_error',
  end: '+6h',
  message:
    '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`finance`.`raw_orders_v2` cannot be found. SQLSTATE: 42P01',
  expected: { category: 'missing_object', severity: 'P2', action: 'NOTIFY_OWNER' },
});

interface World {
  readonly embedded: EmbeddedWorkspace;
  readonly store: Store;
  readonly app: BotApp;
  readonly server: Server;
  readonly url: string;
  readonly incidentId: string;
  readonly runId: number;
  /** Runs queued work and lets Slack and Teams deliver it. */
  settle(): Promise<void>;
  /** Moves simulated time on until `done` or `maxSteps` steps of 30 s. */
  until(done: () => Promise<boolean>, maxSteps?: number): Promise<void>;
  close(): Promise<void>;
}

async function world(
  input: ScenarioInput,
  fetchOverride?: typeof fetch,
  worldPolicy: Policy = policy,
): Promise<World> {
  const embedded = await startEmbeddedWorkspace({
    scenario: { scenario: validate(input) },
    seed: 7,
    speed: 0,
  });
  const ws = embedded.workspace;
  // The 00:00 run fails on its extract task.
  let runId: number | undefined;
  for (let t = ws.startMs; runId === undefined && t < ws.startMs + 3_600_000; t += STEP_MS) {
    ws.advanceTo(t);
    const hit = ws.faults()[0]?.affected_run_ids[0];
    runId = hit === undefined || ws.getRun(Number(hit)).endTime === undefined ? undefined : Number(hit);
  }
  if (runId === undefined) throw new Error('the fault never hit a run');
  const job = ws.listJobs().find((j) => j.settings.name === 'orders_etl');
  const store = await openStore({ dataDir: 'memory://' });
  const app = await createBotApp({
    env: loadEnv({
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-remediation',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      TEAMS_APP_ID: connector.appId,
      TEAMS_APP_PASSWORD: connector.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
      TEAMS_TOKEN_URL: connector.tokenUrl,
      TEAMS_SERVICE_URL: connector.serviceUrl('teams'),
    }),
    policy: worldPolicy,
    clock: ws.clock,
    logger: createLogger({ level: 'silent' }),
    databricks: {
      client: createDatabricksClient({
        host: embedded.url,
        auth: patAuth(embedded.token),
        clock: ws.clock,
        sleep: async () => {},
        retry: { maxAttempts: 3 },
        ...(fetchOverride === undefined ? {} : { fetch: fetchOverride }),
      }),
      warehouse: embedded.warehouse,
      workspaceId: ws.workspaceId,
    },
    store,
    queue: { kind: 'inline' },
    webhookCredentials: null,
  });
  const server = createHttpApp({ routes: app.routes });
  const address = await listen(server, 0, '127.0.0.1');
  const incidentId = `inc_rem${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const error = ws.getRun(runId).termination?.message ?? 'failed';
  const draft: SignalDraft = {
    source: 'webhook',
    dedupKey: `run:${runId}:failed`,
    workspaceId: ws.workspaceId,
    kind: 'job_failed',
    severityHint: 'P2',
    observedAt: ws.now(),
    occurredAt: ws.now(),
    subject: { type: 'job', id: String(job?.jobId), name: 'orders_etl' },
    refs: { jobId: String(job?.jobId), runId: String(runId), taskKey: 'extract' },
    error: { message: error },
    // What the classifier says of a write conflict; for the permanent fault it is (wrongly) the same,
    // so that a retry is offered and fails again.
    classification: {
      category: 'concurrency',
      transient: true,
      action: 'RETRY',
      rule: 'delta.concurrent_append',
    },
  };
  const signal = makeSignal(draft);
  if (!signal.ok) throw new Error(signal.userMessage);
  const opened = await app.repos.incidents.openWithSignal(
    {
      id: incidentId,
      workspaceId: ws.workspaceId,
      fingerprint: `fp-${incidentId}`,
      title: 'orders_etl failed',
      severity: 'P2',
      team: 'finance',
      openedAt: ws.now(),
      rootCauseSignalId: signal.value.id,
    },
    { signal: signal.value, linkKeys: [], now: ws.now() },
    [],
  );
  if (!opened.ok) throw new Error(opened.userMessage);
  const url = `http://127.0.0.1:${address.port}`;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await app.slack?.idle();
      await app.teams?.idle();
      await app.drain?.();
    }
    await app.slack?.idle();
    await app.teams?.idle();
  };
  await app.dispatcher.dispatch('notify', { incidentId });
  await settle();
  return {
    embedded,
    store,
    app,
    server,
    url,
    incidentId,
    runId,
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

const validate = (input: ScenarioInput) => validateScenario(input, 'remediation.yaml');

const runValue = (w: World, version: number, remediationId = 'repair') =>
  encodeButtonValue({ kind: 'plan', action: 'run_plan', incidentId: w.incidentId, version, remediationId });

/** Presses Run on a plan card the way each surface sends it; answers what the presser is told. */
async function pressRun(w: World, surface: 'console' | 'slack' | 'teams', value: string): Promise<string> {
  // A plan card in the thread: no incident card's copy, so only the value names the incident.
  const planMessage = `m${Math.floor(Math.random() * 1e15)}`;
  switch (surface) {
    case 'console': {
      const res = await fetch(`${w.url}/api/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          channelId: 'incidents',
          messageId: planMessage,
          actionId: 'dbx:run_plan',
          value,
          requestId: randomUUID(),
        }),
      });
      return JSON.stringify(await res.json());
    }
    case 'slack': {
      const body = signed(
        blockAction({
          actionId: 'dbx:run_plan',
          value,
          messageTs: `1767326130.${Math.floor(Math.random() * 1e6)}`,
          responseUrl: fakeSlack.responseUrl(`run-${randomUUID()}`),
        }),
        FORM,
        Date.now(),
      );
      const res = await fetch(`${w.url}/slack/events`, {
        method: 'POST',
        body: body.body,
        headers: body.headers,
      });
      expect(res.status).toBe(200);
      await w.app.slack?.idle();
      return JSON.stringify(fakeSlack.calls.slice(-4));
    }
    case 'teams': {
      const invoke = cardAction({
        verb: 'dbx:run_plan',
        action: 'run_plan',
        value,
        replyToId: planMessage,
        serviceUrl: connector.serviceUrl('teams'),
      });
      const res = await connector.post(`${w.url}/api/messages`, invoke);
      return JSON.stringify(res.body);
    }
  }
}

/** Presses a button value as `who` on a surface (the console's local operator, or another console user). */
async function pressAs(
  w: World,
  surface: 'console' | 'teams',
  value: string,
  consoleUser?: string,
): Promise<string> {
  if (surface === 'teams' || consoleUser === undefined) return pressRun(w, surface, value);
  const res = await w.app.handler({
    kind: 'button',
    actor: { surface: 'console', userId: consoleUser },
    conversation: { surface: 'console', channelId: 'incidents' },
    requestId: randomUUID(),
    receivedAt: Date.now(),
    actionId: 'dbx:approve_plan',
    value,
  });
  return JSON.stringify(res);
}

/** The latest rendering of the incident card on each surface, as text. */
async function cards(w: World) {
  const posts = (await w.app.repos.cardPosts.list(w.incidentId)).filter(isPosted);
  const mentions = (value: unknown) => JSON.stringify(value).includes(w.incidentId);
  const slack = fakeSlack
    .accepted()
    .filter(
      (c) => (c.method === 'chat.update' || c.method === 'chat.postMessage') && mentions(c.args.blocks),
    );
  const teams = connector
    .delivered()
    .filter((c) => (c.operation === 'update' || c.operation === 'send') && mentions(c.body));
  const res = await fetch(`${w.url}/api/channels/incidents/messages`);
  const { messages } = (await res.json()) as { messages: { id: string; html: string }[] };
  const consoleCards = messages.filter(
    (m) => m.html.includes(w.incidentId) && !m.html.includes('dbx-message'),
  );
  return {
    posts: posts.length,
    slack: JSON.stringify(slack.at(-1)?.args.blocks ?? ''),
    teams: JSON.stringify(teams.at(-1)?.body ?? ''),
    console: consoleCards.at(-1)?.html ?? '',
    everything: JSON.stringify({ slack: fakeSlack.accepted(), teams: connector.delivered(), messages }),
  };
}

const finished = (w: World) => async () => {
  const attempts = await w.app.repos.remediations.listForIncident(w.incidentId);
  return (
    attempts.length > 0 &&
    attempts.every((a) => ['recovered', 'applied', 'failed', 'unknown'].includes(a.state))
  );
};

describe.each(['console', 'slack', 'teams'] as const)('Run pressed on %s', (surface) => {
  let w: World;
  beforeEach(() => {
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await w?.close();
  });

  it('repairs the failed run in the workspace, verifies it, and every card says it recovered', async () => {
    w = await world(TRANSIENT);
    const incident = await w.app.repos.incidents.get(w.incidentId);
    await pressRun(w, surface, runValue(w, incident?.version ?? 1));
    await w.settle();
    await w.until(finished(w));
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
    // The workspace really ran a repair of that run, and it succeeded.
    const run = w.embedded.workspace.getRun(w.runId);
    expect(run.repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    expect(run.result).toBe('SUCCESS');
    expect((await w.app.repos.incidents.get(w.incidentId))?.state).toBe('resolved');
    const shown = await cards(w);
    for (const copy of [shown.slack, shown.teams, shown.console])
      expect(copy).toContain('Verified: recovered');
    // The runbook entry: copy-paste commands with no token in them.
    expect(attempt?.runbook).toContain(`databricks api post '/api/2.2/jobs/runs/repair'`);
    expect(attempt?.runbook).toContain('$DATABRICKS_TOKEN');
    expect(attempt?.runbook).not.toContain(w.embedded.token);
    expect(shown.everything).toContain('Runbook: Repair failed tasks');
  }, 120_000);
});

describe('a pressed remediation', () => {
  let w: World;
  beforeEach(() => {
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await w?.close();
  });

  it('runs once when Run is pressed twice on two surfaces', async () => {
    w = await world(TRANSIENT);
    const value = runValue(w, 1);
    await pressRun(w, 'console', value);
    const second = await pressRun(w, 'slack', value);
    await w.settle();
    await w.until(finished(w));
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(1);
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    expect(second).toBeDefined();
  }, 120_000);

  it('retries Databricks 429 and a 500 that came after the repair acted, and repairs once', async () => {
    let throttled = 0;
    let failedAfterActing = 0;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/2.2/jobs/runs/repair')) {
        if (throttled < 2) {
          throttled++;
          return json(
            429,
            { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests' },
            { 'retry-after': '1' },
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
    w = await world(TRANSIENT, flaky);
    await pressRun(w, 'console', runValue(w, 1));
    await w.settle();
    await w.until(finished(w));
    expect({ throttled, failedAfterActing }).toEqual({ throttled: 2, failedAfterActing: 1 });
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
  }, 120_000);

  it('reconciles a repair whose answer never came (a reset, or a worker killed mid-call) instead of sending it again', async () => {
    let resets = 0;
    const dropping: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/2.2/jobs/runs/repair') && resets < 1) {
        resets++;
        await fetch(input, init);
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      }
      return fetch(input, init);
    };
    w = await world(TRANSIENT, dropping);
    await pressRun(w, 'console', runValue(w, 1));
    await w.settle();
    await w.until(finished(w));
    expect(resets).toBe(1);
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempt?.state).toBe('recovered');
    // A redelivered job for the finished attempt changes nothing.
    if (attempt === undefined) throw new Error('no attempt');
    await w.app.remediationDispatcher.dispatch(
      'remediate',
      { attemptId: attempt.id },
      { key: 'redelivered' },
    );
    await w.settle();
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
  }, 120_000);

  it('holds a gated repair for a second person: not the requester under another handle, then Bob approves once', async () => {
    const input = structuredClone(TRANSIENT);
    input.users = [...(input.users ?? []), { email: 'bob@example.com', team: 'finance' }];
    input.permissions = [{ job: 'orders_etl', principal: 'bob@example.com', level: 'CAN_MANAGE_RUN' }];
    const gated: Policy = {
      ...policy,
      principals: {
        ...policy.principals,
        teams: { [USER_AAD_ID]: 'alice@example.com' },
        console: { bob: 'bob@example.com' },
      },
      remediation: {
        ...policy.remediation,
        requires_approval: { ...policy.remediation.requires_approval, actions: ['repair'] },
      },
    };
    w = await world(input, undefined, gated);
    // Alice presses Run in Slack: the plan waits, with an Approve button carrying a single-use token.
    await pressRun(w, 'slack', runValue(w, 1));
    await w.settle();
    const [waiting] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(waiting?.state).toBe('awaiting_approval');
    const approveButton = /d1\|p\|approve_plan\|[^"\\]+/.exec(JSON.stringify(fakeSlack.calls))?.[0];
    expect(approveButton).toBeDefined();
    const approve = approveButton ?? '';
    // Alice again, from Teams (another chat handle, the same Databricks user): refused.
    const self = await pressAs(w, 'teams', approve);
    expect(self).toContain('cannot approve it too');
    expect((await w.app.repos.remediations.listForIncident(w.incidentId))[0]?.state).toBe(
      'awaiting_approval',
    );
    // Bob, in the console: approved; it runs, once.
    const bob = await pressAs(w, 'console', approve, 'bob');
    expect(bob).toContain('"ok":true');
    expect(await pressAs(w, 'console', approve, 'bob')).toContain('not waiting for an approval');
    await w.settle();
    await w.until(finished(w));
    const [ran] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(ran?.state).toBe('recovered');
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(1);
    const kinds: string[] = [];
    for await (const entry of w.app.repos.audit.entries())
      kinds.push(`${entry.kind}:${entry.result.outcome}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'propose:needs_approval',
        'approve:approved',
        'execute:started',
        'verify:recovered',
      ]),
    );
  }, 120_000);

  it('refuses a forged Run for another incident, and for an action the card never offered', async () => {
    w = await world(TRANSIENT);
    const other = encodeButtonValue({
      kind: 'plan',
      action: 'run_plan',
      incidentId: 'inc_elsewhere',
      version: 1,
      remediationId: 'repair',
    });
    expect(await pressRun(w, 'console', other)).toContain('no longer exists');
    expect(await pressRun(w, 'console', runValue(w, 1, 'restart_cluster'))).toContain('does not offer');
    await w.settle();
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
    expect(w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR')).toHaveLength(0);
  }, 120_000);

  it('says it failed again with the new error and its classification, and escalates after three attempts', async () => {
    w = await world(PERMANENT);
    for (let n = 1; n <= 3; n++) {
      const incident = await w.app.repos.incidents.get(w.incidentId);
      await pressRun(w, 'console', runValue(w, incident?.version ?? 0, n === 2 ? 'rerun' : 'repair'));
      await w.settle();
      await w.until(finished(w));
    }
    const attempts = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempts.map((a) => a.state)).toEqual(['failed', 'failed', 'failed']);
    expect(attempts[0]?.outcome?.category).toBe('missing_object');
    const shown = await cards(w);
    for (const copy of [shown.slack, shown.teams, shown.console]) expect(copy).toContain('Failed again');
    const incident = await w.app.repos.incidents.get(w.incidentId);
    expect(incident?.state).toBe('escalated');
    const timeline = await w.app.repos.incidents.timeline(w.incidentId);
    expect(timeline.map((e) => e.summary).join('\n')).toContain('Escalating after 3 attempts');
    // A fourth press is refused (here the job's hourly guardrail answers first): it is a person's now.
    const fourth = await pressRun(w, 'console', runValue(w, incident?.version ?? 0));
    expect(fourth).toContain('"reason":"forbidden"');
    expect(fourth).toContain('rate_limit_per_job');
    // Propose, execute and verify of each attempt, and the refused fourth press, are in the audit log.
    const kinds: string[] = [];
    for await (const entry of w.app.repos.audit.entries())
      kinds.push(`${entry.kind}:${entry.result.outcome}`);
    expect(kinds.filter((k) => k === 'execute:started')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'verify:failed')).toHaveLength(3);
    expect(kinds).toContain('propose:refused');
    expect(await w.app.repos.audit.verify()).toMatchObject({ ok: true });
  }, 180_000);
});
