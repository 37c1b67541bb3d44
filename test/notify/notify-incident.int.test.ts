import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalateIfOverdue, KnownEscalations } from '../../src/agents/triage/escalate-incident.js';
import { ChannelLog } from '../../src/bot/console/channel-log.js';
import { ConsoleSender } from '../../src/bot/console/send.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, parsePolicy } from '../../src/config/policy.js';
import { ManualClock } from '../../src/domain/clock.js';
import { incidentIdFor } from '../../src/domain/incident.js';
import { loadIncidentCard } from '../../src/handlers/chat-handler.js';
import { type NotifierDeps, notifyIncident, restoreSurface } from '../../src/notify/notify-incident.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../src/store/repositories.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { teamsSenderFor } from '../support/teams-sender.js';

const clock = new ManualClock(Date.UTC(2026, 10, 20, 3, 0));
const wallClock = new ManualClock(Date.UTC(2026, 0, 1));
let store: Store;
let repos: Repositories;
let log: ChannelLog;
let deps: NotifierDeps;

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
  log = new ChannelLog({ clock, history: repos.consoleHistory });
  const policy = parsePolicy(
    'routing:\n  rules:\n    - match: { team: finance }\n      channel: "#finance-oncall"\n',
  );
  deps = {
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    surfaces: [new ConsoleSender(log)],
    policy,
    clock,
    wallClock,
    loadCard: (id) =>
      loadIncidentCard({ incidents: repos.incidents, clock, policy, detailsUrl: () => null }, id),
    logger: createLogger({ level: 'silent' }),
  };
});
afterAll(async () => {
  await store?.close();
});

async function open(fp: string, severity: 'P1' | 'P2' | 'P3' | 'P4', team = 'marketing') {
  const r = await repos.incidents.open({
    id: incidentIdFor('ws', fp, `sig-${fp}`),
    workspaceId: 'ws',
    fingerprint: fp,
    title: `Nightly ${fp} failed`,
    severity,
    team,
    openedAt: clock.now(),
  });
  if (!r.ok) throw new Error(r.userMessage);
  return r.value.incident;
}

const cardsIn = async (channel: string, incidentId: string, in_: ChannelLog = log) =>
  (await in_.messages(channel)).filter(
    (m) => m.body.kind === 'card' && 'incidentId' in m.body.view && m.body.view.incidentId === incidentId,
  );

describe('notifyIncident', () => {
  it('posts a new incident once to the routed channel and updates that card in place afterwards', async () => {
    const incident = await open('fp-orders', 'P2');
    expect((await notifyIncident(deps, incident.id)).posted).toBe(1);
    expect(await cardsIn('incidents', incident.id)).toHaveLength(1);
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ posted: 0, updated: 0 });

    await repos.incidents.update(
      incident.id,
      incident.version,
      { title: 'Nightly orders failed: out of memory' },
      clock.now(),
    );
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ posted: 0, updated: 1 });
    const [card] = await cardsIn('incidents', incident.id);
    expect(card?.body.kind === 'card' && card.body.view.kind === 'incident' && card.body.view.title).toBe(
      'Nightly orders failed: out of memory',
    );
  });

  it('routes by team and mentions on-call for a P1', async () => {
    const incident = await open('fp-gl', 'P1', 'finance');
    await notifyIncident(deps, incident.id);
    const [card] = await cardsIn('finance-oncall', incident.id);
    expect(card).toBeDefined();
    expect(card!.replies.map((r) => (r.body.kind === 'text' ? r.body.text : ''))).toContainEqual(
      expect.stringContaining('@oncall'),
    );
  });

  it('keeps a P4 out of the channels until it rises to a level that posts', async () => {
    const incident = await open('fp-throttle', 'P4');
    expect((await notifyIncident(deps, incident.id)).posted).toBe(0);
    expect(await cardsIn('incidents', incident.id)).toHaveLength(0);
    await repos.incidents.update(incident.id, incident.version, { severity: 'P3' }, clock.now());
    expect((await notifyIncident(deps, incident.id)).posted).toBe(1);
  });

  it('adds new timeline entries to the card thread once', async () => {
    const incident = await open('fp-thread', 'P3');
    await notifyIncident(deps, incident.id);
    clock.advance(60_000);
    await repos.incidents.addTimelineEntry({
      incidentId: incident.id,
      at: clock.now(),
      phase: 'RCA',
      summary: 'Root cause is upstream',
    });
    const current = (await repos.incidents.get(incident.id))!;
    await repos.incidents.update(incident.id, current.version, { category: 'timeout' }, clock.now());
    await notifyIncident(deps, incident.id);
    await notifyIncident(deps, incident.id);
    const [card] = await cardsIn('incidents', incident.id);
    const notes = card!.replies.filter(
      (r) => r.body.kind === 'text' && r.body.text.includes('Root cause is upstream'),
    );
    expect(notes).toHaveLength(1);
  });

  it('marks an escalated P2 on its card and mentions on-call again in its thread, once', async () => {
    const incident = await open('fp-escalate', 'P2');
    await notifyIncident(deps, incident.id);
    const [posted] = await cardsIn('incidents', incident.id);
    // A P2 does not page when it opens.
    expect(posted!.replies.some((r) => r.body.kind === 'text' && r.body.text.includes('@oncall'))).toBe(
      false,
    );

    const later = {
      incidents: repos.incidents,
      policy: deps.policy,
      clock: new ManualClock(clock.now() + 2 * 3_600_000),
      escalations: new KnownEscalations(),
    };
    expect(await escalateIfOverdue(later, incident)).toMatchObject({ state: 'escalated' });
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ posted: 0, updated: 1, notes: 1 });
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ posted: 0, updated: 0, notes: 0 });

    const [card] = await cardsIn('incidents', incident.id);
    expect(card?.body.kind === 'card' && card.body.view.kind === 'incident' && card.body.view.state).toBe(
      'escalated',
    );
    const pings = card!.replies.filter((r) => r.body.kind === 'text' && r.body.text.includes('@oncall'));
    expect(pings.map((r) => r.body.kind === 'text' && r.body.text)).toEqual([
      '@oncall Escalated: P2 not acknowledged within 2 h',
    ]);
  });

  it("notes a person's action in the thread, even when it happened at the same instant as the last note", async () => {
    const incident = await open('fp-same-instant', 'P3');
    await notifyIncident(deps, incident.id);
    await repos.incidents.applyEvent(incident.id, { type: 'acknowledge', actor: 'alice' }, clock.now());
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ updated: 1, notes: 1 });
    const [card] = await cardsIn('incidents', incident.id);
    expect(card!.replies.map((r) => (r.body.kind === 'text' ? r.body.text : ''))).toEqual([
      'Acknowledged by alice',
    ]);
    expect(card!.body.kind === 'card' && card!.body.view.kind === 'incident' && card!.body.view.state).toBe(
      'acknowledged',
    );
  });

  it('posts one card when two notifiers bring the same incident up at once', async () => {
    const incident = await open('fp-race', 'P3');
    const outcomes = await Promise.all([
      notifyIncident(deps, incident.id),
      notifyIncident(deps, incident.id),
    ]);
    expect(outcomes.map((o) => o.posted).sort()).toEqual([0, 1]);
    expect(await cardsIn('incidents', incident.id)).toHaveLength(1);
  });

  it('leaves a copy another process is posting alone, and takes it over once that claim is old', async () => {
    const incident = await open('fp-claimed', 'P3');
    const key = { incidentId: incident.id, surface: 'console', channelId: '#incidents' };
    expect(await repos.cardPosts.claim(key, 'other-process', wallClock.now(), 0)).toBe(true);

    const waiting = await notifyIncident(deps, incident.id);
    expect(waiting).toMatchObject({ posted: 0, pending: { count: 1, retryAfterMs: 60_000 } });
    expect(await cardsIn('incidents', incident.id)).toHaveLength(0);

    wallClock.advance(61_000);
    expect(await notifyIncident(deps, incident.id)).toMatchObject({ posted: 1, pending: { count: 0 } });
    expect(await cardsIn('incidents', incident.id)).toHaveLength(1);
    // The process that died mid-post cannot record its message over the one that was posted.
    expect(
      await repos.cardPosts.complete(key, 'other-process', {
        messageId: 'm999',
        messageChannelId: 'incidents',
        shownVersion: 1,
        notesThroughSeq: null,
        postedAt: clock.now(),
      }),
    ).toBe(false);
  });

  it('updates the card a restarted console still holds in place, and posts a copy the history lost again', async () => {
    const incident = await open('fp-restart', 'P3');
    await notifyIncident(deps, incident.id);
    const [before] = await cardsIn('incidents', incident.id);
    // The history is in the store: the process after a restart finds the card and updates it.
    const restarted = new ChannelLog({ clock, history: repos.consoleHistory });
    const after = { ...deps, surfaces: [new ConsoleSender(restarted)] };
    await repos.incidents.applyEvent(incident.id, { type: 'acknowledge', actor: 'bob' }, clock.now());
    expect(await restoreSurface(after, 'console')).toBe(0);
    const [kept] = await cardsIn('incidents', incident.id, restarted);
    expect(kept?.id).toBe(before?.id);
    expect(kept?.body.kind === 'card' && kept.body.view.kind === 'incident' && kept.body.view.state).toBe(
      'acknowledged',
    );

    // A copy the history no longer holds (it scrolled out, or an earlier dbxops kept it in memory).
    await store.db.deleteFrom('console_messages').where('id', '=', before!.id.slice(1)).execute();
    await repos.incidents.applyEvent(incident.id, { type: 'resolve', actor: 'bob' }, clock.now());
    expect(await notifyIncident(after, incident.id)).toMatchObject({ posted: 1 });
    const copies = await cardsIn('incidents', incident.id, restarted);
    expect(copies).toHaveLength(1);
    const [post] = await repos.cardPosts.list(incident.id);
    expect(post?.messageId).toBe(copies[0]!.id);
    expect(await notifyIncident(after, incident.id)).toMatchObject({ posted: 0, updated: 0 });
  });

  it('does nothing for an incident that does not exist', async () => {
    expect(await notifyIncident(deps, 'inc_doesnotexist000000')).toMatchObject({ posted: 0, updated: 0 });
  });

  it('uses the default policy P4 rule', () => {
    expect(defaultPolicy().triage.P4.post_card).toBe(false);
    expect(defaultPolicy().triage.P3.post_card).toBe(true);
  });
});

describe('incident cards on Teams, through routing.channels', () => {
  const FINANCE = '19:5b7c0d1e2f3a4b5c6d7e8f9a0b1c2d3e@thread.tacv2';
  let connector: FakeBotConnector;
  beforeAll(async () => {
    connector = await startFakeBotConnector();
  });
  afterAll(async () => {
    await connector?.close();
  });
  const sends = () => connector.delivered().filter((c) => c.operation === 'send');

  it('posts to the conversation id the policy maps a channel to, and reports a #name it does not map', async () => {
    const policy = parsePolicy(
      `routing:\n  rules:\n    - match: { team: finance }\n      channel: "#finance-oncall"\n    - match: { team: finance }\n      channel: "#finance-leads"\n  channels:\n    "#finance-oncall": { teams: "${FINANCE}" }\n`,
    );
    const teams = teamsSenderFor(connector, { clock, wallClock });
    const teamsDeps: NotifierDeps = { ...deps, policy, surfaces: [new ConsoleSender(log), teams] };
    const { id } = await open('fp-teams-map', 'P2', 'finance');
    const outcome = await notifyIncident(teamsDeps, id);
    await teams.close();
    expect(sends().map((c) => c.conversationId)).toEqual([FINANCE]);
    expect(outcome.unrouted).toEqual([
      {
        surface: 'teams',
        channelId: '#finance-leads',
        reason: expect.stringContaining("routing.channels['#finance-leads'].teams"),
      },
    ]);
    // The console has both channels; Teams' copy is recorded under the policy's name, with its real id.
    const posts = await repos.cardPosts.list(id);
    expect(posts.map((p) => [p.surface, p.channelId]).sort()).toEqual([
      ['console', '#finance-leads'],
      ['console', '#finance-oncall'],
      ['teams', '#finance-oncall'],
    ]);
    expect(posts.find((p) => p.surface === 'teams')).toMatchObject({ messageChannelId: FINANCE });
  });
});
