import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPlanContext } from '../../src/agents/remediation/plan-context.js';
import { lookUpJobStatus } from '../../src/agents/status/job-status.js';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { type CardViewInput, planCardViewSchema } from '../../src/cards/card-views.js';
import { planButtons } from '../../src/cards/incident-buttons.js';
import { type Policy, parsePolicy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import {
  createDatabricksClient,
  type DatabricksClient,
} from '../../src/databricks/rest/databricks-client.js';
import { ManualClock } from '../../src/domain/clock.js';
import {
  createChatHandler,
  type ChatHandlerDeps,
  loadIncidentCard,
} from '../../src/handlers/chat-handler.js';
import type { Actor, ChatRequest, ChatResponse } from '../../src/handlers/chat-request.js';
import { CardPostRepository } from '../../src/store/card-post-repository.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../src/store/processed-key-repository.js';
import { openIncident } from '../fixtures/slack/incident-fixture.js';
import { describeKillSwitch, setKillSwitch } from '../../src/agents/remediation/kill-switch.js';
import { recordFix } from '../../src/agents/remediation/record-fix.js';
import { AuditLogRepository } from '../../src/store/audit-log-repository.js';
import { IncidentFixRepository } from '../../src/store/incident-fix-repository.js';
import { RemediationSwitchRepository } from '../../src/store/remediation-switch-repository.js';

const NOW = Date.UTC(2026, 0, 1, 4, 0, 0);
const ALICE: Actor = { surface: 'slack', userId: 'U0ALICE01', displayName: 'alice' };
const BOB: Actor = { surface: 'teams', userId: 'aad-bob', email: 'Bob@Example.com', emailVerified: true };
const MALLORY: Actor = { surface: 'slack', userId: 'U0MALLORY', displayName: 'mallory' };

let store: Store;
let incidents: IncidentRepository;
let workspace: Server;
let databricks: DatabricksClient;
let workspaceDown = false;
let clock: ManualClock;
let seq = 0;
let cardPosts: CardPostRepository;
/** The incidents handed to the notifier (the notify queue), in order. */
let notified: string[] = [];

const silent = pino({ level: 'silent' });
const policy: Policy = parsePolicy(`access:\n  responders: ['U0ALICE01', 'bob@example.com']\n`);

/** A loopback Databricks workspace answering the three Jobs calls `/dbx status` and plans make. */
function startWorkspace(): Promise<Server> {
  const job = {
    job_id: 684914303928317,
    settings: {
      name: 'nightly_orders',
      job_clusters: [
        {
          job_cluster_key: 'etl',
          new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 4 },
        },
      ],
      tasks: [{ task_key: 'load_orders', job_cluster_key: 'etl', timeout_seconds: 3600 }],
      schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    },
  };
  // A job whose schedule no Quartz parser reads (hours step 0): its own problem, not the lookup's.
  const broken = {
    job_id: 684914303928318,
    settings: {
      name: 'broken_schedule',
      tasks: [{ task_key: 'load', timeout_seconds: 3600 }],
      schedule: { quartz_cron_expression: '0 0 0/0 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    },
  };
  const jobs = [job, broken];
  const s = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // One connection per answer: with `maxAttempts: 1` a kept-alive socket the server has meanwhile
    // closed would fail the next call with ECONNRESET, which is this harness's artefact, not a workspace's.
    const json = (status: number, body: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify(body));
    if (workspaceDown) return json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' });
    if (url.pathname === '/api/2.2/jobs/get') {
      const found = jobs.find((j) => String(j.job_id) === url.searchParams.get('job_id'));
      return found !== undefined
        ? json(200, found)
        : json(400, {
            error_code: 'INVALID_PARAMETER_VALUE',
            message: `Job ${url.searchParams.get('job_id')} does not exist.`,
          });
    }
    if (url.pathname === '/api/2.2/jobs/list') {
      return json(200, {
        jobs: jobs.filter((j) => j.settings.name === url.searchParams.get('name')),
        has_more: false,
      });
    }
    if (url.pathname === '/api/2.2/jobs/runs/list') {
      return json(200, {
        runs: [
          {
            run_id: 1,
            job_id: Number(url.searchParams.get('job_id')),
            start_time: NOW - 3_600_000,
            run_duration: 600_000,
            state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED' },
          },
        ],
        has_more: false,
      });
    }
    json(404, { error_code: 'ENDPOINT_NOT_FOUND', message: 'no' });
  });
  // Idle sockets outlive the slowest test: a reused socket the server closed meanwhile is a reset.
  s.keepAliveTimeout = 120_000;
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  incidents = new IncidentRepository(store.db);
  cardPosts = new CardPostRepository(store.db);
  workspace = await startWorkspace();
  databricks = createDatabricksClient({
    host: `http://127.0.0.1:${(workspace.address() as AddressInfo).port}`,
    auth: patAuth('dapi-test'),
    retry: { maxAttempts: 1 },
  });
});

afterAll(async () => {
  await store?.close();
  await new Promise<void>((r) => workspace?.close(() => r()));
});

beforeEach(() => {
  clock = new ManualClock(NOW);
  workspaceDown = false;
  notified = [];
});

function handler(overrides: Partial<ChatHandlerDeps> = {}) {
  return createChatHandler({
    incidents,
    cardPosts,
    notify: async (incidentId) => void notified.push(incidentId),
    processedKeys: new ProcessedKeyRepository(store.db),
    clock,
    policy,
    jobStatus: (query) => lookUpJobStatus(databricks, incidents, query, { nowMs: clock.now() }),
    planContext: (kind, incident, signal) =>
      readPlanContext({ databricks, logger: silent }, kind, incident, signal),
    logger: silent,
    ...overrides,
  });
}

const base = (actor: Actor = ALICE) => ({
  actor,
  conversation: { surface: actor.surface, channelId: 'C0OPS' },
  requestId: `req-${++seq}`,
  receivedAt: NOW,
});
const command = (text: string, actor?: Actor): ChatRequest => ({ ...base(actor), kind: 'command', text });
const button = (value: string, actor?: Actor): ChatRequest => ({
  ...base(actor),
  kind: 'button',
  actionId: 'dbx:x',
  value,
});
const incidentButton = (
  action: 'ack' | 'assign_me' | 'snooze' | 'resolve' | 'reopen',
  incidentId: string,
  version: number,
) => encodeButtonValue({ kind: 'incident', action, incidentId, version });

function firstCard(response: ChatResponse): CardViewInput {
  if (!response.ok) throw new Error(`expected ok, got ${response.reason}: ${response.userMessage}`);
  const card = response.replies[0]?.card;
  if (card === undefined) throw new Error('no reply');
  return card;
}
const text = (response: ChatResponse) =>
  JSON.stringify(response.ok ? response.replies : response.userMessage);

describe('/dbx commands', () => {
  it('answers help and an empty command with the command list, to the requester only', async () => {
    for (const t of ['help', '', '   ']) {
      const response = await handler()(command(t));
      expect(response.ok && response.replies[0]?.audience).toBe('requester');
      expect(text(response)).toContain('/dbx status <job name or id>');
    }
  });

  it('answers an unknown subcommand with unknown_command and the help text', async () => {
    const response = await handler()(command('deploy everything'));
    expect(response).toMatchObject({ ok: false, reason: 'unknown_command' });
    expect(!response.ok && response.userMessage).toContain('/dbx incidents');
    expect(!response.ok && response.userMessage).toContain('"deploy"');
  });

  it('treats an oversized or hostile command as unknown without echoing it whole', async () => {
    const huge = await handler()(command(`status ${'x'.repeat(5_000)}`));
    expect(huge).toMatchObject({ ok: false, reason: 'unknown_command' });
    const hostile = await handler()(command(`<!channel>${'y'.repeat(100)} now`));
    expect(!hostile.ok && hostile.userMessage.length).toBeLessThan(1_000);
  });

  it('says /dbx cost needs a SQL warehouse when it has none', async () => {
    const response = await handler()(command('cost data-eng'));
    expect(response).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(!response.ok && response.userMessage).toContain('DATABRICKS_WAREHOUSE_ID');
  });

  it('lists open incidents, filtered by team or by severity', async () => {
    const team = `team-${++seq}`;
    const p1 = await openIncident(incidents, { openedAt: NOW, team, severity: 'P1' });
    const p3 = await openIncident(incidents, { openedAt: NOW, team, severity: 'P3' });
    const byTeam = firstCard(await handler()(command(`incidents ${team}`)));
    expect(byTeam).toMatchObject({ kind: 'home', team });
    expect(byTeam.kind === 'home' && byTeam.incidents.map((i) => i.incidentId)).toEqual([p1.id, p3.id]);
    const bySeverity = firstCard(await handler()(command('incidents p1')));
    expect(bySeverity.kind === 'home' && bySeverity.incidents.every((i) => i.severity === 'P1')).toBe(true);
  });

  it('acknowledges with /dbx ack and hands the incident to the notifier, the note on its timeline', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    clock.advance(60_000);
    const response = await handler()(command(`ack ${incident.id}`));
    expect(response).toEqual({ ok: true, replies: [] });
    expect(notified).toEqual([incident.id]);
    expect(await incidents.get(incident.id)).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'alice',
    });
    expect((await incidents.timeline(incident.id)).at(-1)).toMatchObject({
      summary: 'Acknowledged by alice',
      actor: 'alice',
    });
  });

  it('fails the request when the notify work cannot be queued, so the platform retry is handled', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const request = command(`ack ${incident.id}`);
    const queueDown = async () => {
      throw new Error('Redis is gone');
    };
    await expect(handler({ notify: queueDown })(request)).rejects.toThrow('Redis is gone');
    // The event is stored; the retry finds nothing to change, yet hands the incident on.
    const retry = await handler()(request);
    expect(retry.ok).toBe(true);
    expect(text(retry)).toContain('already acknowledged');
    expect(notified).toEqual([incident.id]);
  });

  it('answers /dbx ack of an unknown incident with not_found and a way forward', async () => {
    const response = await handler()(command('ack inc_doesnotexist'));
    expect(response).toMatchObject({ ok: false, reason: 'not_found' });
    expect(!response.ok && response.userMessage).toContain('/dbx incidents');
  });

  it('reports a job status with its latest runs from the workspace', async () => {
    const byName = firstCard(await handler()(command('status nightly_orders')));
    expect(JSON.stringify(byName)).toContain('FAILED');
    const byId = firstCard(await handler()(command('status 684914303928317')));
    expect(byId).toMatchObject({ kind: 'message', title: 'Status of nightly_orders' });
  });

  it("says when the job's schedule runs next, counted from the workspace clock", async () => {
    // NOW is 04:00 UTC on 1 January 2026; the job runs daily at 02:00 UTC.
    const card = firstCard(await handler()(command('status nightly_orders')));
    expect(JSON.stringify(card)).toContain('next run 2026-01-02 02:00 UTC');
  });

  it('shows a schedule it cannot read as that job’s problem and still answers with its runs', async () => {
    const card = firstCard(await handler()(command('status broken_schedule')));
    const shown = JSON.stringify(card);
    expect(card).toMatchObject({ title: 'Status of broken_schedule' });
    expect(shown).toContain('FAILED');
    expect(shown).toMatch(/not a valid Quartz cron expression: the hours field \\"0\/0\\"/);
    expect(shown).not.toMatch(/CronPattern|TypeError|next run/);
    expect(JSON.stringify(firstCard(await handler()(command('status nightly_orders'))))).toContain(
      'next run',
    );
  });

  it('answers a status for a missing job with not_found, and a workspace outage with unavailable', async () => {
    expect(await handler()(command('status 42'))).toMatchObject({ ok: false, reason: 'not_found' });
    expect(await handler()(command('status no_such_job'))).toMatchObject({ ok: false, reason: 'not_found' });
    workspaceDown = true;
    const down = await handler()(command('status nightly_orders'));
    expect(down).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(await handler({ jobStatus: undefined })(command('status x'))).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
  });
});

describe('card buttons', () => {
  it('has one effect when the same request is delivered twice', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const h = handler();
    const request = button(incidentButton('ack', incident.id, incident.version));
    const first = await h(request);
    const second = await h(request);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, reason: 'duplicate' });
    expect((await incidents.get(incident.id))?.version).toBe(incident.version + 1);
  });

  it("handles Slack's retry of a press whose first attempt failed, instead of calling it a duplicate", async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const request = button(incidentButton('ack', incident.id, incident.version));
    // The first attempt reaches a store that has gone away; its key is on the healthy one.
    const gone = await openStore({ dataDir: 'memory://' });
    await gone.close();
    await expect(handler({ incidents: new IncidentRepository(gone.db) })(request)).rejects.toThrow();
    const retry = await handler()(request);
    expect(retry.ok).toBe(true);
    expect(await incidents.get(incident.id)).toMatchObject({ state: 'acknowledged' });
    expect(await handler()(request)).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  it('answers a double click (two deliveries, same card) with one change and an explanation', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const value = incidentButton('ack', incident.id, incident.version);
    await handler()(button(value));
    const again = await handler()(button(value));
    expect(text(again)).toContain('already acknowledged');
    // Nothing changed, yet the notifier looks again: a copy that missed the first change catches up.
    expect(notified).toEqual([incident.id, incident.id]);
    expect((await incidents.get(incident.id))?.version).toBe(incident.version + 1);
  });

  it('refuses a button naming another incident than the card it was pressed on, and changes neither', async () => {
    const a = await openIncident(incidents, { openedAt: NOW });
    const b = await openIncident(incidents, { openedAt: NOW });
    const key = { incidentId: a.id, surface: 'slack', channelId: '#incidents' };
    await cardPosts.claim(key, 't', NOW, 0);
    await cardPosts.complete(key, 't', {
      messageId: '1700000000.000100',
      messageChannelId: 'C0OPS',
      shownVersion: a.version,
      notesThroughSeq: null,
      postedAt: NOW,
    });
    const onA = (value: string): ChatRequest => ({
      ...base(),
      kind: 'button',
      actionId: 'dbx:ack',
      value,
      message: { surface: 'slack', channelId: 'C0OPS', messageId: '1700000000.000100' },
    });
    const forged = await handler()(onA(incidentButton('ack', b.id, b.version)));
    expect(forged).toMatchObject({ ok: false, reason: 'invalid_request' });
    expect(!forged.ok && forged.userMessage).toContain('does not belong to the card');
    expect((await incidents.get(b.id))?.state).toBe('open');
    expect(notified).toEqual([]);

    expect((await handler()(onA(incidentButton('ack', a.id, a.version)))).ok).toBe(true);
    expect(notified).toEqual([a.id]);
  });

  it('acts on the current incident from a stale card and says the card was out of date', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    await handler()(button(incidentButton('assign_me', incident.id, incident.version)));
    const response = await handler()(button(incidentButton('resolve', incident.id, incident.version)));
    expect(text(response)).toContain('out of date');
    expect((await incidents.get(incident.id))?.state).toBe('resolved');
  });

  it('snoozes for one hour and shows the card as snoozed', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    await handler()(button(incidentButton('snooze', incident.id, incident.version)));
    expect((await incidents.get(incident.id))?.snoozedUntil).toBe(NOW + 3_600_000);
    expect((await loadIncidentCard({ incidents, clock, policy }, incident.id))?.state).toBe('snoozed');
    clock.advance(3_600_001);
    expect((await loadIncidentCard({ incidents, clock, policy }, incident.id))?.state).toBe('open');
  });

  it("shows the workspace's name and links its host on the card when the workspaces list has its id", async () => {
    const incident = await openIncident(incidents, { openedAt: NOW, workspaceId: '1234567890123456' });
    const listed = parsePolicy(
      "workspaces:\n  - { id: '1234567890123456', name: prod, host: 'https://adb-1.azuredatabricks.net' }\n",
    );
    expect((await loadIncidentCard({ incidents, clock, policy: listed }, incident.id))?.workspace).toEqual({
      name: 'prod',
      url: 'https://adb-1.azuredatabricks.net',
    });
    expect((await loadIncidentCard({ incidents, clock, policy }, incident.id))?.workspace).toEqual({
      name: '1234567890123456',
      url: null,
    });
  });

  it('refuses acknowledging a resolved incident as a stale card, and says why', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    await handler()(button(incidentButton('resolve', incident.id, incident.version)));
    const response = await handler()(button(incidentButton('ack', incident.id, incident.version)));
    expect(response).toMatchObject({ ok: false, reason: 'stale_card' });
    expect(!response.ok && response.userMessage).toContain('resolved');
  });

  it('answers a button on a missing incident with not_found', async () => {
    expect(await handler()(button(incidentButton('ack', 'inc_gone000000', 1)))).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  it('tells a user without the responder role to ask an admin, by id or by a confirmed email', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const denied = await handler()(button(incidentButton('resolve', incident.id, incident.version), MALLORY));
    expect(denied).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(!denied.ok && denied.userMessage).toContain('access.responders');
    const spoofed = { ...MALLORY, email: 'bob@example.com', emailVerified: false };
    const refused = await handler()(
      button(incidentButton('resolve', incident.id, incident.version), spoofed),
    );
    expect(refused).toMatchObject({ ok: false, reason: 'forbidden' });
    const allowed = await handler()(button(incidentButton('resolve', incident.id, incident.version), BOB));
    expect(allowed.ok).toBe(true);
  });

  it('answers garbled, oversized and foreign button values with invalid_request', async () => {
    for (const value of [
      '',
      'd1|i|ack',
      `d1|i|ack|${'x'.repeat(700)}|1`,
      '{"incidentId":"inc-42"}',
      'd1|i|rm -rf|inc_x|1',
    ]) {
      expect(await handler()(button(value))).toMatchObject({ ok: false, reason: 'invalid_request' });
    }
  });

  it('answers a remediation button with a dry-run plan built from the current job settings', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const value = encodeButtonValue({
      kind: 'incident',
      action: 'remediate',
      incidentId: incident.id,
      version: incident.version,
      remediationId: 'retry_with_params',
    });
    const response = await handler()(button(value));
    const reply = response.ok ? response.replies[0] : undefined;
    expect(reply).toMatchObject({
      audience: 'conversation',
      inThread: true,
      card: { kind: 'plan', remediationId: 'retry_with_params', risk: 'medium' },
    });
    expect(reply?.card.kind === 'plan' && reply.card.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/2.2/jobs/update',
      body: {
        job_id: 684914303928317,
        new_settings: {
          job_clusters: [{ job_cluster_key: 'etl', new_cluster: { node_type_id: 'i3.2xlarge' } }],
        },
      },
    });
  });

  it('explains what is missing when a plan cannot be built, and refuses unknown remediations', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const plan = (remediationId: string) =>
      encodeButtonValue({
        kind: 'incident',
        action: 'remediate',
        incidentId: incident.id,
        version: incident.version,
        remediationId,
      });
    expect(text(await handler({ planContext: undefined })(button(plan('pause_schedule'))))).toContain(
      "can't plan",
    );
    expect(await handler()(button(plan('drop_database')))).toMatchObject({
      ok: false,
      reason: 'invalid_request',
    });
  });

  it('offers Run and Cancel on a plan, and answers Run as unavailable when no workspace can run it', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const response = await handler()(
      button(
        encodeButtonValue({
          kind: 'incident',
          action: 'remediate',
          incidentId: incident.id,
          version: incident.version,
          remediationId: 'retry_with_params',
        }),
      ),
    );
    const plan = response.ok ? response.replies[0]?.card : undefined;
    expect(planButtons(planCardViewSchema.parse(plan)).map((b) => b.label)).toEqual(['Run', 'Cancel']);

    const run = await handler()(button(`d1|p|run_plan|${incident.id}|${incident.version}|retry_with_params`));
    expect(run).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(await incidents.get(incident.id)).toMatchObject({ state: 'open', version: incident.version });
  });
});

describe('questions and home', () => {
  it('without system tables, answers a question politely in its thread with a hint, and in a DM without a thread', async () => {
    const inChannel = await handler()({
      ...base(),
      kind: 'question',
      text: 'why is the nightly job failing?',
    });
    expect(inChannel.ok && inChannel.replies[0]).toMatchObject({ audience: 'conversation', inThread: true });
    expect(text(inChannel)).toContain("can't answer questions here");
    expect(text(inChannel)).toContain('/dbx incidents');
    const dm = await handler()({
      ...base(),
      conversation: { surface: 'slack', channelId: 'D0DM', isDirect: true },
      kind: 'question',
      text: 'hello',
    });
    expect(dm.ok && dm.replies[0]?.inThread).toBe(false);
  });

  it("shows my team's open incidents on the home tab", async () => {
    const team = `home-${++seq}`;
    const mine = await openIncident(incidents, { openedAt: NOW, team });
    await openIncident(incidents, { openedAt: NOW, team: 'someone-else' });
    const card = firstCard(await handler({ teamOf: () => team })({ ...base(), kind: 'home' }));
    expect(card).toMatchObject({ kind: 'home', team });
    expect(card.kind === 'home' && card.incidents.map((i) => i.incidentId)).toEqual([mine.id]);
  });
});

describe('what fixed it, and the kill switch, as commands', () => {
  const deps = (): Partial<ChatHandlerDeps> => {
    const fixes = new IncidentFixRepository(store.db);
    const audit = new AuditLogRepository(store.db);
    const switches = new RemediationSwitchRepository(store.db);
    return {
      lastFix: (ws, fp, except) => fixes.lastFor(ws, fp, except),
      recordFix: (input) => recordFix({ incidents, fixes, audit, clock, wallClock: clock }, input),
      killSwitch: {
        set: (on, actor, reason) =>
          setKillSwitch(
            { switches, audit, wallClock: clock },
            { on, actor: { surface: actor.surface, userId: actor.userId }, reason },
          ),
        describe: () => describeKillSwitch({ switches }, false),
      },
    };
  };

  it('records a fix once however often the same request is delivered, and only for people who may act', async () => {
    const incident = await openIncident(incidents, { openedAt: NOW });
    const chat = handler(deps());
    expect(text(await chat(command(`resolve ${incident.id}`)))).toContain('What fixed it?');
    const typed = command(`fixed ${incident.id} bounced the gateway`);
    expect(text(await chat(typed))).toContain('Recorded: fixed by bounced the gateway');
    expect(await chat(typed)).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(await chat(command(`fixed ${incident.id} it was me`, MALLORY))).toMatchObject({
      ok: false,
      reason: 'forbidden',
    });
    const card = await loadIncidentCard({ incidents, clock, policy, ...deps() }, incident.id);
    expect(card?.lastFix).toBeNull();
  });

  it('lets only people who may act on incidents turn the kill switch on', async () => {
    const chat = handler(deps());
    expect(await chat(command('kill-switch on', MALLORY))).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(text(await chat(command('kill-switch status')))).toContain('off');
  });
});
