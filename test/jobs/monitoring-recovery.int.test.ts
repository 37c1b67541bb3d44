import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEmbeddedOperator } from '../../src/app/embedded-operator.js';
import { type Replay, replayScenario } from '../../src/app/replay-scenario.js';
import { createSimulatedResponder, RESPONDER_USER } from '../../src/app/simulated-responder.js';
import type { IncidentCardView } from '../../src/cards/card-views.js';
import { renderIncidentCardHtml } from '../../src/cards/html-cards.js';
import { renderIncidentCardSlack } from '../../src/cards/slack-cards.js';
import { renderIncidentCardTeams } from '../../src/cards/teams-cards.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import type { Incident } from '../../src/domain/incident.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { baseScenario } from '../sim/fixtures.js';

/**
 * A job that recovers on its own — its next scheduled run succeeds — through the whole pipeline on the
 * simulator (runs polled and notified, detectors, correlator, the store, the periodic review of open
 * incidents and the notifier): the incident is resolved and its card says which run succeeded when,
 * unless something else is still wrong, a remediation is under way, or the setting is off.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-recovery-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Fault = NonNullable<ScenarioInput['faults']>[number];

/** The hourly orders job of the base scenario failing its extract in the runs that start in each window. */
function extractFails(id: string, start: string, end: string, kind: Fault['kind'] = 'task_error'): Fault {
  return {
    id,
    kind,
    target: { job: 'orders_etl', task: 'extract' },
    start,
    end,
    expected: { category: 'missing_object', severity: 'P2', action: 'NOTIFY_OWNER' },
  };
}

interface ReplayOptions {
  readonly policy?: Policy;
  /** The operator presses each incident's first suggestion two minutes after it opens; nobody approves. */
  readonly press?: boolean;
}

async function replay(name: string, s: ScenarioInput, options: ReplayOptions = {}): Promise<Replay> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(s));
  const policy = options.policy ?? defaultPolicy();
  let responder: ReturnType<typeof createSimulatedResponder> | undefined;
  const opened: string[] = [];
  return replayScenario({
    scenario: file,
    seed: 7,
    step: 60,
    policy: (ws) =>
      withEmbeddedOperator(policy, { consoleUser: RESPONDER_USER, operator: ws.scenario.operator }),
    onSignal: (_signal, outcome, incidentId) => {
      if (outcome === 'opened' && incidentId !== null) {
        if (responder === undefined) opened.push(incidentId);
        else responder.opened(incidentId);
      }
    },
    ...(options.press
      ? {
          onStep: async (now, app) => {
            if (responder === undefined) {
              responder = createSimulatedResponder({ app, delayMs: 120_000, approver: false });
              for (const id of opened.splice(0)) responder.opened(id);
            }
            await responder.step(now);
          },
        }
      : {}),
  });
}

/** Every incident of the replay, resolved or not. */
async function allIncidents(r: Replay): Promise<Incident[]> {
  const rows = await r.store.db.selectFrom('incidents').select('id').execute();
  const found = await r.app.repos.incidents.getMany(rows.map((row) => row.id));
  return found.sort((a, b) => a.openedAt - b.openedAt);
}

/** The incidents holding a failure of the orders job. */
async function ordersIncidents(r: Replay): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const incident of await allIncidents(r)) {
    const signals = await r.app.repos.incidents.listSignals(incident.id);
    if (signals.some((s) => s.kind === 'task_failed' && s.subject.id.endsWith('/extract')))
      out.push(incident);
  }
  return out;
}

/** The incident's card as the console shows it now. */
async function consoleCard(r: Replay, incidentId: string): Promise<IncidentCardView> {
  const posts = (await r.app.repos.cardPosts.list(incidentId)).filter((p) => p.surface === 'console');
  for (const post of posts) {
    for (const row of await r.app.repos.consoleHistory.channelRows(post.messageChannelId ?? post.channelId)) {
      const body = row.body as { kind?: string; view?: IncidentCardView };
      if (body.kind === 'card' && body.view?.kind === 'incident' && body.view.incidentId === incidentId)
        return body.view;
    }
  }
  throw new Error(`no console card for ${incidentId}`);
}

/** The job's runs that succeeded in the simulator. */
function successes(r: Replay, job: string): { startTime: number; endTime: number }[] {
  const state = r.embedded.workspace.listJobs().find((j) => j.settings.name === job);
  return (state?.recent ?? []).flatMap((run) =>
    run.result === 'SUCCESS' && run.endTime !== undefined
      ? [{ startTime: run.startTime, endTime: run.endTime }]
      : [],
  );
}

/** Whether a run of the job that started after `at` succeeded in the simulator. */
function succeededAfter(r: Replay, job: string, at: number): boolean {
  return successes(r, job).some((run) => run.startTime > at);
}

async function timelineOf(r: Replay, incidentId: string): Promise<string[]> {
  return (await r.app.repos.incidents.timeline(incidentId)).map((e) => e.summary);
}

const RECOVERED = /^Resolved, recovered on its own: orders_etl run \d+ succeeded at 2026-11-20 0\d:\d\d UTC$/;

describe('a job that recovers on its own', () => {
  it('resolves the incident when the next scheduled run succeeds, and the card names that run', async () => {
    const s = baseScenario();
    s.duration_hours = 3;
    s.faults = [extractFails('once', '+50m', '+70m')];
    const r = await replay('once', s);
    try {
      const [incident, ...others] = await ordersIncidents(r);
      expect(others).toEqual([]);
      expect(incident?.state).toBe('resolved');
      const timeline = await timelineOf(r, incident!.id);
      expect(timeline.filter((t) => RECOVERED.test(t))).toHaveLength(1);
      // The run named is the 02:00 one, after the 01:00 failure: the 00:00 run's success, read before
      // the failure, resolved nothing.
      expect(timeline.at(-1)).toMatch(/succeeded at 2026-11-20 02:\d\d UTC$/);
      const runs = successes(r, 'orders_etl');
      expect(runs.some((run) => run.endTime < incident!.openedAt)).toBe(true);
      const next = runs.find((run) => run.startTime > incident!.openedAt);
      expect(incident!.resolvedAt).toBeGreaterThanOrEqual(next!.endTime);
      const card = await consoleCard(r, incident!.id);
      expect(card.state).toBe('resolved');
      expect(card.version).toBe(incident!.version);
      expect(card.timeline.at(-1)?.text).toMatch(RECOVERED);
      // Each surface renders that same card: resolved, with the run that succeeded.
      const now = r.embedded.workspace.now();
      for (const rendered of [
        JSON.stringify(renderIncidentCardSlack(card, now)),
        JSON.stringify(renderIncidentCardTeams(card, now)),
        renderIncidentCardHtml(card, now),
      ]) {
        expect(rendered).toContain('Resolved');
        expect(rendered).toMatch(/recovered on its own: orders_etl run \d+ succeeded/);
      }
    } finally {
      await r.close();
    }
  }, 300_000);

  it('resolves once, after the run that succeeded, when the job failed twice first', async () => {
    const s = baseScenario();
    s.duration_hours = 4;
    s.faults = [extractFails('twice', '+50m', '+130m')];
    const r = await replay('twice', s);
    try {
      const [incident, ...others] = await ordersIncidents(r);
      expect(others).toEqual([]);
      const signals = await r.app.repos.incidents.listSignals(incident!.id);
      expect(signals.filter((x) => x.kind === 'task_failed')).toHaveLength(2);
      expect(incident?.state).toBe('resolved');
      const timeline = await timelineOf(r, incident!.id);
      expect(timeline.filter((t) => RECOVERED.test(t))).toHaveLength(1);
      expect(timeline.filter((t) => t.startsWith('Resolved'))).toHaveLength(1);
      expect(timeline.at(-1)).toMatch(/succeeded at 2026-11-20 03:\d\d UTC$/);
    } finally {
      await r.close();
    }
  }, 300_000);

  it('keeps an incident of two failed jobs open while only one of them has recovered', async () => {
    const s = baseScenario();
    s.duration_hours = 4;
    // The revenue mart reads what the orders job writes, a quarter of an hour after it: the orders job
    // fails once, the mart every time.
    s.jobs?.push({
      name: 'revenue_mart',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 15 * * * ?', timezone_id: 'UTC' },
      tasks: [{ key: 'build', reads: ['main.finance.orders'], writes: ['main.finance.revenue_mart'] }],
    });
    s.tables?.push({ name: 'main.finance.revenue_mart', owner: 'alice@example.com' });
    s.faults = [
      extractFails('orders', '+50m', '+70m'),
      {
        id: 'mart',
        kind: 'task_error',
        target: { job: 'revenue_mart', task: 'build' },
        start: '+70m',
        end: '+4h',
        expected: { category: 'missing_object', severity: 'P2', action: 'NOTIFY_OWNER' },
      },
    ];
    const r = await replay('two-jobs', s);
    try {
      const [incident] = await ordersIncidents(r);
      const signals = await r.app.repos.incidents.listSignals(incident!.id);
      const jobs = new Set(signals.filter((x) => x.kind === 'task_failed').map((x) => x.refs.jobId));
      expect(jobs.size).toBe(2);
      expect(succeededAfter(r, 'orders_etl', incident!.openedAt)).toBe(true);
      expect(incident?.state).not.toBe('resolved');
      expect((await timelineOf(r, incident!.id)).some((t) => t.includes('recovered on its own'))).toBe(false);
    } finally {
      await r.close();
    }
  }, 300_000);

  /** The orders job failing one run, its repair held for a second person nobody is; approvals live `ttl`. */
  async function pressedAndUnapproved(ttlMinutes: number): Promise<Replay> {
    const s = baseScenario();
    s.duration_hours = 3;
    s.operator = 'alice@example.com';
    s.faults = [
      {
        ...extractFails('race', '+50m', '+70m', 'concurrency_conflict'),
        expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
      },
    ];
    const base = defaultPolicy();
    const policy: Policy = {
      ...base,
      remediation: {
        ...base.remediation,
        approval_ttl_minutes: ttlMinutes,
        requires_approval: { ...base.remediation.requires_approval, actions: ['repair'] },
      },
    };
    return replay(`pressed-${ttlMinutes}`, s, { policy, press: true });
  }

  it('leaves the incident to a remediation that was pressed and waits for approval', async () => {
    // A replay's wall clock is its simulated one: this request outlives the three hours.
    const r = await pressedAndUnapproved(1_440);
    try {
      const [incident] = await ordersIncidents(r);
      const attempts = await r.app.repos.remediations.listForIncident(incident!.id);
      expect(attempts.map((a) => [a.action, a.state])).toEqual([['repair', 'awaiting_approval']]);
      // A later run succeeded, and still the press waiting for a second person decides.
      expect(succeededAfter(r, 'orders_etl', incident!.openedAt)).toBe(true);
      expect(incident?.state).not.toBe('resolved');
      expect((await timelineOf(r, incident!.id)).some((t) => t.includes('recovered on its own'))).toBe(false);
    } finally {
      await r.close();
    }
  }, 300_000);

  it('resolves the incident once the approval request expired unanswered, and its card says both', async () => {
    const r = await pressedAndUnapproved(30);
    try {
      const [incident] = await ordersIncidents(r);
      const attempts = await r.app.repos.remediations.listForIncident(incident!.id);
      expect(attempts.map((a) => [a.action, a.state, a.outcome?.refusedBy])).toEqual([
        ['repair', 'failed', 'approval_expired'],
      ]);
      expect(incident?.state).toBe('resolved');
      const timeline = await timelineOf(r, incident!.id);
      const expired = timeline.findIndex((t) =>
        t.startsWith('Approval expired unanswered — Repair failed tasks'),
      );
      const resolved = timeline.findIndex((t) => RECOVERED.test(t));
      expect(expired).toBeGreaterThanOrEqual(0);
      expect(resolved).toBeGreaterThan(expired);
      const card = await consoleCard(r, incident!.id);
      expect(card.state).toBe('resolved');
      expect(
        card.timeline.some((t) => t.text.includes('Nothing was sent: press "Repair failed tasks" again')),
      ).toBe(true);
      expect((await r.app.repos.audit.verify()).ok).toBe(true);
    } finally {
      await r.close();
    }
  }, 300_000);

  it('reopens the same incident when the failure comes back after it recovered, instead of paging again', async () => {
    const s = baseScenario();
    s.duration_hours = 4;
    s.faults = [extractFails('first', '+50m', '+70m'), extractFails('again', '+170m', '+190m')];
    const r = await replay('again', s);
    try {
      const [incident, ...others] = await ordersIncidents(r);
      expect(others).toEqual([]);
      expect(incident?.state).toBe('open');
      const timeline = await timelineOf(r, incident!.id);
      expect(timeline.filter((t) => RECOVERED.test(t))).toHaveLength(1);
      const cameBack = timeline.findIndex((t) =>
        /^Came back after it recovered on its own \(orders_etl run \d+ succeeded at 2026-11-20 02:\d\d UTC\), \d+ min after it was resolved/.test(
          t,
        ),
      );
      expect(cameBack).toBeGreaterThan(timeline.findIndex((t) => RECOVERED.test(t)));
      expect(timeline.slice(cameBack)).toContain('Joined: task failed on orders_etl / extract');
      const posts = await r.app.repos.cardPosts.list(incident!.id);
      expect(posts.filter((p) => p.surface === 'console')).toHaveLength(1);
      expect((await consoleCard(r, incident!.id)).state).toBe('open');
    } finally {
      await r.close();
    }
  }, 300_000);

  it('leaves the incident unresolved when thresholds.resolve_when_recovered is off', async () => {
    const s = baseScenario();
    s.duration_hours = 3;
    s.faults = [extractFails('once', '+50m', '+70m')];
    const base = defaultPolicy();
    const policy: Policy = { ...base, thresholds: { ...base.thresholds, resolve_when_recovered: false } };
    const r = await replay('off', s, { policy });
    try {
      const [incident] = await ordersIncidents(r);
      expect(succeededAfter(r, 'orders_etl', incident!.openedAt)).toBe(true);
      // Nobody acknowledged it: it escalated, and is still there for someone to close.
      expect(incident?.state).toBe('escalated');
      expect((await consoleCard(r, incident!.id)).state).toBe('escalated');
    } finally {
      await r.close();
    }
  }, 300_000);
});
