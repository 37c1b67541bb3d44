// @module-tag slow — a workspace and a bot for each of its tests (test/suite-sequencer.ts runs it first)
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { makeSignal, type SignalDraft } from '../../src/domain/signal.js';
import { validateScenario } from '../../src/sim/scenario/load-scenario.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { isPosted } from '../../src/store/card-post-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import {
  ALICE,
  blockAction,
  MALLORY,
  SIGNING_SECRET,
  signed,
  slashCommand,
} from '../fixtures/slack/slack-requests.js';
import { CHANNEL_ID, cardAction, channelMessage, USER_AAD_ID } from '../fixtures/teams/activities.js';
import { localOperator } from '../../src/app/console-auth-setup.js';
import { baseScenario } from '../sim/fixtures.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';
import { embeddedBotApp } from '../support/embedded-databricks.js';

/**
 * A remediation pressed on each surface runs against the embedded workspace, is verified there, and
 * every copy of the incident card (Slack, Teams, console) shows the verified outcome; the runbook entry
 * lands in the thread. Presses arrive the way each platform sends them (signed Slack requests, Teams
 * invokes through the fake Bot Connector, console posts).
 */

const CHANNEL = '#incidents';
/** The Basic credentials the workspace's notification destination is configured with. */
const WEBHOOK = { username: 'dbxops', password: 'remediation-webhook-secret' };
const FORM = 'application/x-www-form-urlencoded';
const STEP_MS = 30_000;

let fakeSlack: FakeSlack;
let connector: FakeBotConnector;

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  fakeSlack.addUser(ALICE, { name: 'alice', realName: 'Alice Example', email: 'alice@example.com' });
  fakeSlack.addUser(MALLORY, { name: 'mallory', realName: 'Mallory Example', email: 'mallory@example.com' });
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
  /** Opens another incident with the first one's fingerprint (the same failure, another day). */
  another(): Promise<string>;
  /** Hands the same failure to the signal stage again (a duplicated delivery). */
  signalAgain(): Promise<void>;
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
  /** `store`: the incident is written straight to the store; `signal`: it arrives as a detector's signal. */
  via: 'store' | 'signal' = 'store',
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
  const app = await embeddedBotApp(embedded, store, {
    env: {
      SLACK_BOT_TOKEN: 'xoxb-remediation',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      TEAMS_APP_ID: connector.appId,
      TEAMS_APP_PASSWORD: connector.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
      TEAMS_TOKEN_URL: connector.tokenUrl,
      TEAMS_SERVICE_URL: connector.serviceUrl('teams'),
    },
    policy: worldPolicy,
    client: { retry: { maxAttempts: 3 }, ...(fetchOverride === undefined ? {} : { fetch: fetchOverride }) },
    webhookCredentials: WEBHOOK,
  });
  const server = createHttpApp({ routes: app.routes });
  const address = await listen(server, 0, '127.0.0.1');
  const error = ws.getRun(runId).termination?.message ?? 'failed';
  const jobId = String(job?.jobId);
  const signalOf = (dedupKey: string) => {
    const draft: SignalDraft = {
      source: 'webhook',
      dedupKey,
      workspaceId: ws.workspaceId,
      kind: 'job_failed',
      severityHint: 'P2',
      observedAt: ws.now(),
      occurredAt: ws.now(),
      subject: { type: 'job', id: jobId, name: 'orders_etl' },
      refs: { jobId, runId: String(runId), taskKey: 'extract' },
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
    return signal.value;
  };
  // The signal stage names its own fingerprint; `another` follows whichever the first incident has.
  let fingerprint = `fp-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const openIncident = async (dedupKey: string): Promise<string> => {
    const incidentId = `inc_rem${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const signal = signalOf(dedupKey);
    const opened = await app.repos.incidents.openWithSignal(
      {
        id: incidentId,
        workspaceId: ws.workspaceId,
        fingerprint,
        title: 'orders_etl failed',
        severity: 'P2',
        team: 'finance',
        openedAt: ws.now(),
        rootCauseSignalId: signal.id,
      },
      { signal, linkKeys: [], now: ws.now() },
      [],
    );
    if (!opened.ok) throw new Error(opened.userMessage);
    return incidentId;
  };
  let incidentId: string;
  if (via === 'store') {
    incidentId = await openIncident(`run:${runId}:failed`);
  } else {
    // Through the signal stage, as a detector hands a failure on: correlated, opened, triaged, notified.
    await app.dispatcher.dispatch('signal', {
      signal: signalOf(`run:${runId}:failed`),
      detectedAt: Date.now(),
    });
    await app.drain?.();
    const [opened] = await app.repos.incidents.listOpen({ limit: 5 });
    if (opened === undefined) throw new Error('the signal opened no incident');
    incidentId = opened.id;
    fingerprint = opened.fingerprint;
  }
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
    another: () => openIncident(`run:${runId}:failed:${randomUUID()}`),
    async signalAgain() {
      await app.dispatcher.dispatch('signal', {
        signal: signalOf(`run:${runId}:failed`),
        detectedAt: Date.now(),
      });
      await settle();
    },
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
async function pressRun(
  w: World,
  surface: 'console' | 'slack' | 'teams',
  value: string,
  actionId = 'dbx:run_plan',
  slackUser?: string,
): Promise<string> {
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
          actionId,
          value,
          requestId: randomUUID(),
        }),
      });
      return JSON.stringify(await res.json());
    }
    case 'slack': {
      const body = signed(
        blockAction({
          actionId,
          value,
          ...(slackUser === undefined ? {} : { user: slackUser }),
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
        verb: actionId,
        action: actionId.split(':')[1] ?? 'run_plan',
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
async function cards(w: World, incidentId = w.incidentId) {
  const posts = (await w.app.repos.cardPosts.list(incidentId)).filter(isPosted);
  const mentions = (value: unknown) => JSON.stringify(value).includes(incidentId);
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
  const consoleCards = messages.filter((m) => m.html.includes(incidentId) && !m.html.includes('dbx-message'));
  return {
    posts: posts.length,
    slack: JSON.stringify(slack.at(-1)?.args.blocks ?? ''),
    teams: JSON.stringify(teams.at(-1)?.body ?? ''),
    console: consoleCards.at(-1)?.html ?? '',
    everything: JSON.stringify({ slack: fakeSlack.accepted(), teams: connector.delivered(), messages }),
    /** Everything each surface was sent: the card's copies and the notes in its thread. */
    threads: [
      JSON.stringify(fakeSlack.accepted()),
      JSON.stringify(connector.delivered()),
      JSON.stringify(messages),
    ],
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

/** `/dbx <text>` sent the way each surface sends it; answers what the sender was told, as text. */
async function dbx(w: World, surface: 'console' | 'slack' | 'teams', text: string): Promise<string> {
  switch (surface) {
    case 'console': {
      const res = await fetch(`${w.url}/api/composer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channelId: 'incidents', text: `/dbx ${text}`, requestId: randomUUID() }),
      });
      return JSON.stringify(await res.json());
    }
    case 'slack': {
      const id = `cmd-${randomUUID()}`;
      const before = fakeSlack.calls.length;
      const body = signed(slashCommand(text, { responseUrl: fakeSlack.responseUrl(id) }), FORM, Date.now());
      const res = await fetch(`${w.url}/slack/events`, {
        method: 'POST',
        body: body.body,
        headers: body.headers,
      });
      expect(res.status).toBe(200);
      // An answer for the sender comes through the response URL; one for the channel is posted there.
      await fakeSlack.waitFor(
        (calls) =>
          calls.slice(before).some((c) => c.method === `respond:${id}` || c.method === 'chat.postMessage'),
        60_000,
      );
      await w.app.slack?.idle();
      return JSON.stringify(fakeSlack.calls.slice(before));
    }
    case 'teams': {
      const before = connector.delivered().length;
      const res = await connector.post(
        `${w.url}/api/messages`,
        channelMessage(`dbx ${text}`, connector.serviceUrl('teams')),
      );
      expect(res.status).toBe(200);
      await expect.poll(() => connector.delivered().length, { timeout: 60_000 }).toBeGreaterThan(before);
      await w.app.teams?.idle();
      return JSON.stringify(connector.delivered().slice(before));
    }
  }
}

/** The audit log as `kind:outcome` lines, with who acted. */
async function auditTrail(w: World) {
  const entries: { line: string; chat: unknown; principal: string | null; message: string }[] = [];
  for await (const entry of w.app.repos.audit.entries())
    entries.push({
      line: `${entry.kind}:${entry.result.outcome}`,
      chat: entry.who.chat,
      principal: entry.who.principal,
      message: entry.result.message ?? '',
    });
  return entries;
}

const repairs = (w: World) => w.embedded.workspace.getRun(w.runId).repairs.filter((r) => r.type === 'REPAIR');

describe('what fixed it last time', () => {
  let w: World;
  beforeEach(() => {
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await w?.close();
  });

  it('asks on Resolve, records the pressed action once, and the next incident like it shows that fix first and offers it first on every surface', async () => {
    w = await world(TRANSIENT);
    const resolve = encodeButtonValue({
      kind: 'incident',
      action: 'resolve',
      incidentId: w.incidentId,
      version: 1,
    });
    const asked = await pressRun(w, 'slack', resolve, 'dbx:resolve');
    expect(asked).toContain('What fixed it?');
    expect(asked).toContain(`/dbx fixed ${w.incidentId}`);
    // One button per suggested action; each carries the command it runs.
    const rerunButton = new RegExp(`r1\\|fixed ${w.incidentId} rerun`).exec(asked)?.[0];
    expect(rerunButton).toBeDefined();
    const recorded = await pressRun(w, 'teams', rerunButton ?? '', 'dbx:run');
    expect(recorded).toContain('Recorded: fixed by Rerun the job');
    // The same fix again, typed in the console: recorded once.
    expect(await dbx(w, 'console', `fixed ${w.incidentId} rerun`)).toContain('Already recorded');
    await w.settle();

    const next = await w.another();
    await w.app.dispatcher.dispatch('notify', { incidentId: next });
    await w.settle();
    const shown = await cards(w, next);
    for (const copy of [shown.slack, shown.teams, shown.console]) {
      expect(copy).toContain('Fixed last time by');
      expect(copy).toContain('Rerun the job');
      // The recorded action is the first suggestion: its button comes before repair's.
      expect(copy.indexOf('dbx:remediate:rerun')).toBeLessThan(copy.indexOf('dbx:remediate:repair'));
    }
    const trail = await auditTrail(w);
    expect(trail.filter((e) => e.line === 'record_fix:recorded')).toHaveLength(1);
  }, 180_000);

  it('takes free text from a typed command, one line, and refuses what it should not record', async () => {
    w = await world(TRANSIENT);
    const id = w.incidentId;
    expect(await dbx(w, 'slack', `fixed ${id} restarted the gateway`)).toContain('is not resolved yet');
    expect(await dbx(w, 'teams', `resolve ${id}`)).toContain('What fixed it?');
    expect(await dbx(w, 'console', `fixed ${id} ${'x'.repeat(501)}`)).toContain('longer than 500 characters');
    expect(await dbx(w, 'console', 'fixed inc_nosuch restarted it')).toContain('no longer exists');
    expect(await dbx(w, 'console', `fixed ${id}`)).toContain('what fixed it');
    const hostile = `bounced <!channel> the\u0007 metastore\n\ngateway *now*`;
    expect(await dbx(w, 'slack', `fixed ${id} ${hostile}`)).toContain('Recorded');
    await w.settle();
    const next = await w.another();
    await w.app.dispatcher.dispatch('notify', { incidentId: next });
    await w.settle();
    const shown = await cards(w, next);
    expect(shown.console).toContain('Fixed last time by');
    expect(shown.console).toContain('bounced &lt;!channel&gt; the metastore gateway *now*');
    // Slack never pings the channel from a person's words, and free text adds no button.
    expect(shown.slack).toContain('Fixed last time by');
    expect(shown.slack).not.toContain('<!channel>');
    expect(shown.slack.indexOf('dbx:remediate:repair')).toBeLessThan(
      shown.slack.indexOf('dbx:remediate:rerun'),
    );
  }, 180_000);
});

describe('verification', () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it('sees the repaired run end when Databricks says it ended, not at its next poll up to a minute later', async () => {
    w = await world(TRANSIENT);
    await pressRun(w, 'console', runValue(w, 1));
    await w.settle();
    const ws = w.embedded.workspace;
    const [attempt] = await w.app.repos.remediations.listForIncident(w.incidentId);
    if (attempt === undefined) throw new Error('nothing was pressed');
    // Simulated time moves on in 5 s steps, each drained, until the repair has ended.
    for (let i = 0; i < 2_000 && ws.getRun(w.runId).endTime === undefined; i++) {
      ws.advanceBy(5_000);
      await w.settle();
    }
    const endedAt = ws.getRun(w.runId).endTime;
    expect(endedAt).toBeDefined();
    // The backoff poll (every minute by now) has not come round yet.
    expect((await w.app.repos.remediations.get(attempt.id))?.state).toBe('verifying');
    // Databricks' run notification arrives over HTTP, as its webhook destination sends it.
    const delivery = await fetch(`${w.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${WEBHOOK.username}:${WEBHOOK.password}`).toString('base64')}`,
      },
      body: JSON.stringify({
        event_type: 'jobs.on_success',
        workspace_id: ws.workspaceId,
        run: { run_id: w.runId },
        job: { job_id: ws.getRun(w.runId).job.jobId, name: 'orders_etl' },
      }),
    });
    expect(delivery.status).toBe(202);
    await w.settle();
    expect((await w.app.repos.remediations.get(attempt.id))?.state).toBe('recovered');
    const verified = (await w.app.repos.incidents.timeline(w.incidentId)).find((e) =>
      e.summary.startsWith('Verified: recovered'),
    );
    expect(verified?.at).toBe(ws.now());
    expect(ws.now() - (endedAt ?? 0)).toBeLessThan(5_000);
  }, 180_000);
});

describe('the live kill switch', () => {
  let w: World;
  beforeEach(() => {
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await w?.close();
  });

  it('refuses presses and what was already queued the moment it is turned on in chat, and lets them run once it is off', async () => {
    w = await world(TRANSIENT);
    // Pressed, queued, not yet executed: the switch is turned on in Slack meanwhile.
    await pressRun(w, 'console', runValue(w, 1));
    expect(await dbx(w, 'slack', 'kill-switch on bad deploy')).toContain('Kill switch ON');
    await w.settle();
    const [stopped] = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(stopped?.state).toBe('failed');
    expect(stopped?.outcome?.summary).toContain('kill_switch');
    expect(repairs(w)).toHaveLength(0);
    const version = (await w.app.repos.incidents.get(w.incidentId))?.version ?? 0;
    const refused = await pressRun(w, 'teams', runValue(w, version));
    expect(refused).toContain('kill_switch');
    expect(refused).toContain('bad deploy');
    expect(await dbx(w, 'console', 'kill-switch status')).toContain('ON');
    expect(await dbx(w, 'teams', 'kill-switch off')).toContain('Kill switch OFF');
    await pressRun(w, 'console', runValue(w, version));
    await w.settle();
    await w.until(finished(w));
    expect((await w.app.repos.remediations.listForIncident(w.incidentId)).map((a) => a.state)).toEqual([
      'failed',
      'recovered',
    ]);
    expect(repairs(w)).toHaveLength(1);
    // The press the switch stopped tried nothing, so it used up none of the incident's three attempts.
    const started = (await w.app.repos.incidents.timeline(w.incidentId)).filter((e) =>
      e.summary.startsWith('Running "'),
    );
    expect(started.map((e) => e.summary)).toEqual([expect.stringContaining('(attempt 1 of 3)')]);
    const trail = (await auditTrail(w)).map((e) => e.line);
    expect(trail).toEqual(expect.arrayContaining(['kill_switch:on', 'kill_switch:off', 'propose:refused']));
  }, 180_000);

  it('with roles, lets only a role that approves everything turn it off', async () => {
    const withRoles: Policy = {
      ...policy,
      remediation: {
        ...policy.remediation,
        roles: {
          operator: { ...emptyRole, press: ['*'], slack_users: [ALICE] },
          lead: { ...emptyRole, approve: ['*'], teams_users: [USER_AAD_ID] },
        },
      },
    };
    w = await world(TRANSIENT, undefined, withRoles);
    expect(await dbx(w, 'slack', 'kill-switch on')).toContain('Kill switch ON');
    const refused = await dbx(w, 'slack', 'kill-switch off');
    expect(refused).toContain('Only someone who may approve every action');
    expect(refused).toContain('the role lead');
    expect(await dbx(w, 'teams', 'kill-switch off')).toContain('Kill switch OFF');
  }, 180_000);
});

const emptyRole = {
  press: [],
  approve: [],
  slack_users: [],
  slack_groups: [],
  teams_users: [],
  entra_groups: [],
  console_users: [],
};

describe('a gated action pressed by someone without the Databricks permission', () => {
  let w: World;
  afterEach(async () => {
    await w?.close();
  });

  it('is refused at the press, naming the permission, before anyone is asked to approve', async () => {
    fakeSlack.reset();
    const input = structuredClone(TRANSIENT);
    input.users = [...(input.users ?? []), { email: 'mallory@example.com', team: 'finance' }];
    const gated: Policy = {
      ...policy,
      principals: {
        ...policy.principals,
        slack: { [ALICE]: 'alice@example.com', [MALLORY]: 'mallory@example.com' },
      },
      remediation: {
        ...policy.remediation,
        requires_approval: { ...policy.remediation.requires_approval, actions: ['repair'] },
      },
    };
    w = await world(input, undefined, gated);
    const answer = await pressRun(w, 'slack', runValue(w, 1), 'dbx:run_plan', MALLORY);
    expect(answer).toContain('lacks CAN_MANAGE_RUN');
    expect(answer).not.toContain('approve_plan');
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
    expect((await auditTrail(w)).map((e) => e.line)).toEqual(['propose:refused']);
  }, 180_000);
});

describe('auto-heal', () => {
  let w: World;
  beforeEach(() => {
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await w?.close();
  });

  const healing = (remediation: Partial<Policy['remediation']> = {}): Policy => ({
    ...policy,
    remediation: {
      ...policy.remediation,
      ...remediation,
      auto_heal: { enabled: true, classes: ['concurrency'], actions: ['repair', 'rerun'] },
    },
  });

  it('is off by default: a new incident waits for a person', async () => {
    w = await world(TRANSIENT, undefined, policy, 'signal');
    await w.settle();
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
    expect(repairs(w)).toHaveLength(0);
    expect(await auditTrail(w)).toHaveLength(0);
  }, 180_000);

  it('when on, repairs a new incident of a listed class through the guardrails, verifies it, and every card says it was auto-healed; a duplicated event heals once', async () => {
    w = await world(TRANSIENT, undefined, healing(), 'signal');
    await w.signalAgain();
    await w.app.remediationDispatcher.dispatch(
      'auto_heal',
      { incidentId: w.incidentId },
      { key: 'redelivered' },
    );
    await w.settle();
    await w.until(finished(w));
    const attempts = await w.app.repos.remediations.listForIncident(w.incidentId);
    expect(attempts.map((a) => [a.action, a.state])).toEqual([['repair', 'recovered']]);
    expect(repairs(w)).toHaveLength(1);
    expect((await w.app.repos.incidents.get(w.incidentId))?.state).toBe('resolved');
    const shown = await cards(w);
    for (const copy of [shown.slack, shown.teams, shown.console]) {
      expect(copy).toContain('Verified: recovered (auto-healed by dbxops)');
    }
    const trail = await auditTrail(w);
    expect(trail.map((e) => e.line)).toEqual(['propose:queued', 'execute:started', 'verify:recovered']);
    for (const entry of trail) expect(entry).toMatchObject({ chat: null, principal: 'dbxops auto-heal' });
    expect(await w.app.repos.audit.verify()).toMatchObject({ ok: true });
    // What dbxops verified is what fixed it: the next incident like it says so first.
    const next = await w.another();
    await w.app.dispatcher.dispatch('notify', { incidentId: next });
    await w.settle();
    expect((await cards(w, next)).console).toContain('Fixed last time by dbxops (verified)');
  }, 180_000);

  it.each([
    ['a class auto_heal.classes does not list', { enabled: true, classes: ['network'], actions: ['repair'] }],
    [
      'a first suggestion auto_heal.actions does not list',
      { enabled: true, classes: ['concurrency'], actions: ['rerun'] },
    ],
  ])(
    'leaves %s to a person, without a word in the audit log',
    async (_, autoHeal) => {
      w = await world(
        TRANSIENT,
        undefined,
        { ...policy, remediation: { ...policy.remediation, auto_heal: autoHeal } },
        'signal',
      );
      await w.settle();
      expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
      expect(repairs(w)).toHaveLength(0);
      expect(await auditTrail(w)).toHaveLength(0);
    },
    180_000,
  );

  it('in shadow mode records what it would have done and executes nothing', async () => {
    w = await world(TRANSIENT, undefined, healing({ shadow: true }), 'signal');
    await w.settle();
    expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
    expect(repairs(w)).toHaveLength(0);
    const trail = await auditTrail(w);
    expect(trail).toEqual([
      expect.objectContaining({ line: 'propose:shadow', chat: null, principal: 'dbxops auto-heal' }),
    ]);
    // The card's thread on every surface says what auto-heal would have done.
    for (const thread of (await cards(w)).threads) expect(thread).toContain('Auto-heal (shadow mode)');
  }, 180_000);

  it.each([
    ['kill_switch', { kill_switch: true }],
    ['allowed_actions', { allowed_actions: ['notify_owner'] }],
    [
      'blackout',
      {
        blackouts: [
          { name: 'always', cron: '* * * * *', duration_minutes: 60, timezone: 'UTC', actions: ['*'] },
        ],
      },
    ],
    [
      'cost_cap',
      { max_cost_usd_per_action: 0, requires_approval: { actions: [], risk: [], cost_above_usd: 1_000 } },
    ],
    ['rate_limit_per_job', { rate_limits: { per_job_per_hour: 0, total_per_hour: 20 } }],
    ['four_eyes', { requires_approval: { actions: ['repair'], risk: ['high'], cost_above_usd: 10 } }],
  ] as const)(
    "is refused by %s like a person, says so in the card's thread and leaves it to a person",
    async (guardrail, rules) => {
      w = await world(TRANSIENT, undefined, healing(rules as Partial<Policy['remediation']>), 'signal');
      await w.settle();
      expect(await w.app.repos.remediations.listForIncident(w.incidentId)).toHaveLength(0);
      expect(repairs(w)).toHaveLength(0);
      const trail = await auditTrail(w);
      expect(trail).toEqual([
        expect.objectContaining({ line: 'propose:refused', chat: null, principal: 'dbxops auto-heal' }),
      ]);
      expect(trail[0]?.message).toContain(guardrail);
      // The card's thread on every surface says why, and the card keeps its buttons for a person.
      const shown = await cards(w);
      for (const thread of shown.threads) {
        expect(thread).toContain('Auto-heal did not run');
        expect(thread).toContain(`Refused by ${guardrail}`);
      }
      expect(shown.slack).toContain('dbx:remediate:repair');
    },
    180_000,
  );
});
