import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelLog } from '../../src/bot/console/channel-log.js';
import { ConsoleSender } from '../../src/bot/console/send.js';
import { createLogger } from '../../src/config/logger.js';
import { parsePolicy, type Policy } from '../../src/config/policy.js';
import { DuckDbWarehouse } from '../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { ChatSurface } from '../../src/handlers/chat-request.js';
import {
  digestSchedules,
  dueTimes,
  postDueDigests,
  type ScheduledPostDeps,
  scheduledCard,
} from '../../src/notify/post-scheduled.js';
import { runSimExport } from '../../src/app/sim-commands.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../src/store/repositories.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { teamsSenderFor } from '../support/teams-sender.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';

const at = (iso: string) => Date.parse(iso);
const dir = mkdtempSync(join(tmpdir(), 'dbxops-digest-'));
const file = join(dir, 'demo.duckdb');
let warehouse: DuckDbWarehouse;
let store: Store;
let repos: Repositories;
let log: ChannelLog;
let clock: ManualClock;
let wallClock: ManualClock;
/** The store behind a second chat a test plays, closed after it. */
let other: Store | undefined;

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await runSimExport({ scenario: 'scenarios/demo.yaml', out: file, seed: 42, force: true });
  } finally {
    process.stdout.write = write;
  }
  warehouse = await DuckDbWarehouse.openFile(file, { clock: { now: () => at('2026-11-22T00:00:00Z') } });
}, 120_000);
/** Another chat a test plays with a console log: a history of its own, in a store of its own. */
async function secondChat(): Promise<ChannelLog> {
  other = await openStore({ dataDir: 'memory://' });
  return new ChannelLog({ clock, history: createRepositories(other.db).consoleHistory });
}
afterEach(async () => {
  await other?.close();
  other = undefined;
});
afterAll(async () => {
  await store?.close();
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await store.db.deleteFrom('scheduled_posts').execute();
  await store.db.deleteFrom('console_messages').execute();
  await store.db.deleteFrom('console_channels').execute();
  clock = new ManualClock(at('2026-11-20T00:00:00Z'));
  wallClock = new ManualClock(at('2026-12-06T10:00:00Z'));
  log = new ChannelLog({ clock, history: repos.consoleHistory });
});

/** A worker's scheduler: its own surfaces over the shared chat, the shared store unless given its own. */
function worker(
  policy: Policy = parsePolicy(''),
  surfaces: ChatSurface[] = [new ConsoleSender(log)],
  own: Repositories = repos,
): ScheduledPostDeps {
  return {
    posts: own.scheduledPosts,
    surfaces,
    schedules: digestSchedules(policy),
    policy,
    clock,
    wallClock,
    since: at('2026-11-20T00:00:00Z'),
    build: scheduledCard(
      {
        warehouse,
        digests: own.digests,
        recurringIssues: own.recurringIssues,
        workspace: { id: '1234567890123456', name: 'acme-prod' },
        budgets: policy.budgets,
        slas: policy.slas,
        timeZone: policy.timezone,
      },
      {},
    ),
    logger: createLogger({ level: 'silent' }),
  };
}

/** The digest cards in a console channel (the console's ids drop the `#`). */
const digestsIn = async (channel: string, in_: ChannelLog = log) =>
  (await in_.messages(channel.replace(/^#/, ''))).flatMap((m) =>
    m.body.kind === 'card' && m.body.view.kind === 'digest' ? [m.body.view] : [],
  );

describe('the scheduled digest', () => {
  it('reaches #digest at 07:00 on the workspace clock and not a minute before', async () => {
    clock.set(at('2026-11-20T06:59:00Z'));
    expect((await postDueDigests(worker())).posted).toBe(0);
    expect(await digestsIn('#digest')).toHaveLength(0);
    clock.set(at('2026-11-20T07:00:00Z'));
    expect((await postDueDigests(worker())).posted).toBe(1);
    const [digest] = await digestsIn('#digest');
    expect(digest?.title).toBe('Daily digest · acme-prod · 2026-11-19');
    expect(digest?.late).toBeNull();
  });

  it('is posted once by two workers that look at the same moment', async () => {
    clock.set(at('2026-11-20T07:00:30Z'));
    const [a, b] = await Promise.all([postDueDigests(worker()), postDueDigests(worker())]);
    expect(a.posted + b.posted).toBe(1);
    expect(await digestsIn('#digest')).toHaveLength(1);
    expect((await postDueDigests(worker())).posted).toBe(0);
  });

  it('is posted once by two workers that each open their own store on one PostgreSQL database', async () => {
    const url = await createTestDatabase();
    const stores = [await openStore({ databaseUrl: url })];
    try {
      stores.push(await openStore({ databaseUrl: url, migrate: false }));
      const [a, b] = stores.map((s) =>
        worker(parsePolicy(''), [new ConsoleSender(log)], createRepositories(s.db)),
      );
      clock.set(at('2026-11-20T07:00:30Z'));
      const outcomes = await Promise.all([postDueDigests(a!), postDueDigests(b!)]);
      expect(outcomes.reduce((sum, o) => sum + o.posted, 0)).toBe(1);
      expect(await digestsIn('#digest')).toHaveLength(1);
      expect((await postDueDigests(b!)).posted).toBe(0);
    } finally {
      for (const s of stores) await s.close();
      await dropTestDatabase(url);
    }
  }, 120_000);

  it('is sent late, marked as late, once, for the 07:00 the bot was down at', async () => {
    clock.set(at('2026-11-20T07:01:00Z'));
    await postDueDigests(worker());
    // Down from 07:05 on the 20th until 09:30 on the 21st.
    clock.set(at('2026-11-21T09:30:00Z'));
    const outcome = await postDueDigests(worker());
    expect(outcome).toMatchObject({ posted: 1, late: 1 });
    const digests = await digestsIn('#digest');
    expect(digests.map((d) => d.title)).toEqual([
      'Daily digest · acme-prod · 2026-11-19',
      'Daily digest · acme-prod · 2026-11-20',
    ]);
    expect(digests[1]?.late).toBe(
      'Sent late: due 2026-11-21 07:00 UTC, sent 2026-11-21 09:30 UTC (dbxops was not running at the time).',
    );
    clock.set(at('2026-11-21T09:31:00Z'));
    expect((await postDueDigests(worker())).posted).toBe(0);
    const posts = await repos.scheduledPosts.list('daily:#digest');
    expect(posts.map((p) => [p.period, p.state, p.late])).toEqual([
      ['2026-11-20T07:00:00.000Z', 'posted', false],
      ['2026-11-21T07:00:00.000Z', 'posted', true],
    ]);
  });

  it('sends each missed day once, oldest first, after a long outage', async () => {
    clock.set(at('2026-11-20T07:00:00Z'));
    await postDueDigests(worker());
    clock.set(at('2026-11-23T08:00:00Z'));
    const outcome = await postDueDigests(worker(parsePolicy('digest: { weekly: false }')));
    expect(outcome).toMatchObject({ posted: 3, late: 3 });
    expect((await digestsIn('#digest')).map((d) => d.title.slice(-10))).toEqual([
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
  });

  it('does not post for times before the bot began watching', async () => {
    const late = { ...worker(), since: at('2026-11-20T09:00:00Z') };
    clock.set(at('2026-11-20T09:00:00Z'));
    expect((await postDueDigests(late)).posted).toBe(0);
    clock.set(at('2026-11-21T07:00:00Z'));
    expect((await postDueDigests(late)).posted).toBe(1);
  });

  it('takes over a claim whose worker died before sending, once the claim is old', async () => {
    clock.set(at('2026-11-20T07:00:00Z'));
    const key = { scheduleKey: 'daily:#digest', period: '2026-11-20T07:00:00.000Z', surface: 'console' };
    await repos.scheduledPosts.claim(
      { ...key, channelId: '#digest', dueAt: clock.now() },
      'dead',
      wallClock.now(),
      0,
    );
    wallClock.advance(60_000);
    expect((await postDueDigests(worker())).posted).toBe(0);
    wallClock.advance(5 * 60_000);
    expect((await postDueDigests(worker())).posted).toBe(1);
    expect(await digestsIn('#digest')).toHaveLength(1);
  });

  it('never sends again a post whose worker died while sending it: it may have arrived', async () => {
    clock.set(at('2026-11-20T07:00:00Z'));
    const key = { scheduleKey: 'daily:#digest', period: '2026-11-20T07:00:00.000Z', surface: 'console' };
    await repos.scheduledPosts.claim(
      { ...key, channelId: '#digest', dueAt: clock.now() },
      'dead',
      wallClock.now(),
      0,
    );
    expect(await repos.scheduledPosts.sending(key, 'dead', wallClock.now())).toBe(true);
    wallClock.advance(60 * 60_000);
    expect((await postDueDigests(worker())).posted).toBe(0);
    expect(await digestsIn('#digest')).toHaveLength(0);
    expect((await repos.scheduledPosts.list('daily:#digest')).map((p) => p.state)).toEqual(['uncertain']);
  });

  it('retries a post the chat refused on the next call, and then posts it once', async () => {
    const sender = new ConsoleSender(log);
    let refuse = true;
    const flaky: ChatSurface = {
      surface: 'console',
      postCard: (target, card) =>
        refuse ? Promise.reject(new Error('chat is down')) : sender.postCard(target, card),
      updateCard: (ref, card) => sender.updateCard(ref, card),
      postThreadNote: (ref, text) => sender.postThreadNote(ref, text),
      close: () => sender.close(),
    };
    clock.set(at('2026-11-20T07:00:00Z'));
    const failed = await postDueDigests(worker(parsePolicy(''), [flaky]));
    expect(failed.failures).toEqual([
      { schedule: 'daily:#digest', surface: 'console', error: 'chat is down' },
    ]);
    refuse = false;
    expect((await postDueDigests(worker(parsePolicy(''), [flaky]))).posted).toBe(1);
    expect(await digestsIn('#digest')).toHaveLength(1);
  });

  it('posts the same digest to every configured surface', async () => {
    const slackLog = await secondChat();
    const slackSender = new ConsoleSender(slackLog);
    const slack: ChatSurface = {
      surface: 'slack',
      postCard: (target, card) => slackSender.postCard(target, card),
      updateCard: (ref, card) => slackSender.updateCard(ref, card),
      postThreadNote: (ref, text) => slackSender.postThreadNote(ref, text),
      close: () => slackSender.close(),
    };
    clock.set(at('2026-11-20T07:00:00Z'));
    const outcome = await postDueDigests(worker(parsePolicy(''), [new ConsoleSender(log), slack]));
    expect(outcome.posted).toBe(2);
    expect(await digestsIn('#digest', slackLog)).toEqual(await digestsIn('#digest'));
  });

  it('posts on time to the surfaces that are up while another is still retrying its send', async () => {
    const teamsLog = await secondChat();
    const teamsSender = new ConsoleSender(teamsLog);
    let recover: () => void = () => {};
    const recovered = new Promise<void>((resolve) => {
      recover = resolve;
    });
    const retrying: ChatSurface = {
      // Slack: it posts to the #digest name (Teams needs a conversation id from routing.channels).
      surface: 'slack',
      postCard: async (target, card) => {
        await recovered;
        return teamsSender.postCard(target, card);
      },
      updateCard: (ref, card) => teamsSender.updateCard(ref, card),
      postThreadNote: (ref, text) => teamsSender.postThreadNote(ref, text),
      close: () => teamsSender.close(),
    };
    clock.set(at('2026-11-20T07:00:00Z'));
    const pending = postDueDigests(worker(parsePolicy(''), [retrying, new ConsoleSender(log)]));
    await expect.poll(() => digestsIn('#digest'), { timeout: 30_000 }).toHaveLength(1);
    expect(await digestsIn('#digest', teamsLog)).toHaveLength(0);
    recover();
    expect((await pending).posted).toBe(2);
    expect(await digestsIn('#digest', teamsLog)).toEqual(await digestsIn('#digest'));
  });
});

describe('the digest on Teams, through routing.channels', () => {
  const DIGEST = '19:0f3c5e2a9b7d4c1e8a6f2b3d4e5f6a7b@thread.tacv2';
  let connector: FakeBotConnector;
  beforeAll(async () => {
    connector = await startFakeBotConnector();
  });
  afterAll(async () => {
    await connector?.close();
  });

  const teamsSurface = () => teamsSenderFor(connector, { clock, wallClock });
  const sends = () => connector.delivered().filter((c) => c.operation === 'send');

  it("goes to the conversation id the policy maps #digest to, once, beside the console's #digest", async () => {
    connector.reset();
    const policy = parsePolicy(`routing:\n  channels:\n    "#digest": { teams: "${DIGEST}" }\n`);
    clock.set(at('2026-11-20T07:00:00Z'));
    const teams = teamsSurface();
    const deps = worker(policy, [new ConsoleSender(log), teams]);
    expect(await postDueDigests(deps)).toMatchObject({ posted: 2, unrouted: [] });
    // Again, and from a second worker: claimed once, sent once.
    expect((await postDueDigests(worker(policy, [new ConsoleSender(log), teamsSurface()]))).posted).toBe(0);
    await teams.close();
    expect(sends().map((c) => c.conversationId)).toEqual([DIGEST]);
    expect(JSON.stringify(sends()[0]?.body)).toContain('Daily digest · acme-prod · 2026-11-19');
    expect(await digestsIn('#digest')).toHaveLength(1);
  });

  it('is not posted on Teams for a #name without a conversation id, and says so, while the console gets it', async () => {
    connector.reset();
    const policy = parsePolicy('routing:\n  channels:\n    "#other": { teams: "19:x@thread.tacv2" }\n');
    clock.set(at('2026-11-20T07:00:00Z'));
    const teams = teamsSurface();
    const outcome = await postDueDigests(worker(policy, [new ConsoleSender(log), teams]));
    await teams.close();
    expect(outcome.posted).toBe(1);
    expect(outcome.unrouted.map((u) => [u.schedule, u.surface])).toEqual([
      ['daily:#digest', 'teams'],
      ['weekly:#digest', 'teams'],
    ]);
    expect(outcome.unrouted[0]?.reason).toBe(
      "#digest has no Teams conversation: set routing.channels['#digest'].teams in dbxops.yaml to its conversation id (19:…@thread.tacv2) for Teams to get its posts.",
    );
    expect(sends()).toEqual([]);
    expect(await digestsIn('#digest')).toHaveLength(1);
    // Nothing was claimed for Teams: once the policy maps the channel, the next day's digest goes there.
    const posts = await repos.scheduledPosts.list('daily:#digest');
    expect(posts.map((p) => p.surface)).toEqual(['console']);
  });
});

describe('the digest with several workspaces', () => {
  const ACME = { id: '1234567890123456', name: 'acme-prod' };
  const NORTHLIGHT = { id: '7301928465019283', name: 'northlight-prod' };
  const cardsOf = (workspace: { id: string; name: string }, policy: Policy) =>
    scheduledCard(
      {
        warehouse,
        digests: repos.digests,
        recurringIssues: repos.recurringIssues,
        workspace,
        budgets: policy.budgets,
        slas: policy.slas,
        timeZone: policy.timezone,
      },
      { workspaceWord: `workspace:${workspace.name}` },
    );

  it('posts one digest per workspace, each titled with it and read by its id, the first under its old keys', async () => {
    const policy = parsePolicy('digest: { weekly: false }');
    const schedules = digestSchedules(policy, [NORTHLIGHT.id]);
    expect(schedules.map((s) => [s.key, s.workspaceId])).toEqual([
      ['daily:#digest', undefined],
      [`daily:#digest@${NORTHLIGHT.id}`, NORTHLIGHT.id],
    ]);
    const builds = { [ACME.id]: cardsOf(ACME, policy), [NORTHLIGHT.id]: cardsOf(NORTHLIGHT, policy) };
    const deps: ScheduledPostDeps = {
      ...worker(policy),
      schedules,
      build: (schedule, dueAt, late) => builds[schedule.workspaceId ?? ACME.id]!(schedule, dueAt, late),
    };
    clock.set(at('2026-11-22T07:00:00Z'));
    const deps22: ScheduledPostDeps = { ...deps, since: at('2026-11-22T00:00:00Z') };
    expect((await postDueDigests(deps22)).posted).toBe(2);
    const cards = await digestsIn('#digest');
    expect(cards.map((c) => c.title).sort()).toEqual([
      'Daily digest · acme-prod · 2026-11-21',
      'Daily digest · northlight-prod · 2026-11-21',
    ]);
    const acme = JSON.stringify(cards.find((c) => c.title.includes('acme-prod')));
    const northlight = JSON.stringify(cards.find((c) => c.title.includes('northlight-prod')));
    // Each card's commands read its own workspace; the billing rows here are all acme-prod's.
    expect(acme).toContain('"command":"/dbx cost finance workspace:acme-prod"');
    expect(northlight).not.toContain('finance');
    expect((await postDueDigests(deps22)).posted).toBe(0);
  });
});

describe('digest settings in dbxops.yaml', () => {
  it('digest.at in the policy timezone moves the time: 08:30 in Berlin is 07:30 UTC in November', () => {
    const [daily] = digestSchedules(parsePolicy('timezone: Europe/Berlin\ndigest: { at: "08:30" }'));
    expect(dueTimes(daily!, at('2026-11-20T00:00:00Z'), at('2026-11-20T23:00:00Z'))).toEqual([
      at('2026-11-20T07:30:00Z'),
    ]);
  });

  it('posts the weekly summary on Mondays only, unless digest.weekly is off', () => {
    const weekly = digestSchedules(parsePolicy('')).find((s) => s.kind === 'weekly')!;
    // 2026-11-23 is a Monday.
    expect(dueTimes(weekly, at('2026-11-17T00:00:00Z'), at('2026-11-25T00:00:00Z'))).toEqual([
      at('2026-11-23T07:00:00Z'),
    ]);
    expect(digestSchedules(parsePolicy('digest: { weekly: false }')).map((s) => s.kind)).toEqual(['daily']);
  });

  it('routing.digest_channel moves the digest and the weekly summary when digest.channels is empty', () => {
    const schedules = digestSchedules(parsePolicy('routing: { digest_channel: "#managers" }'));
    expect(schedules.map((s) => s.key)).toEqual(['daily:#managers', 'weekly:#managers']);
  });

  it('digest.channels sends the digest where it says, each at its own time', () => {
    const schedules = digestSchedules(
      parsePolicy(
        'digest:\n  weekly: false\n  channels:\n    - { channel: "#mgmt" }\n    - { channel: "#apac", at: "06:00", timezone: Asia/Singapore }\n',
      ),
    );
    expect(schedules.map((s) => [s.key, s.at, s.timeZone])).toEqual([
      ['daily:#mgmt', '07:00', 'UTC'],
      ['daily:#apac', '06:00', 'Asia/Singapore'],
    ]);
  });

  it('routing.cost_channels gives each named team a daily cost report in its channel', async () => {
    const policy = parsePolicy(
      'digest: { weekly: false }\nrouting:\n  cost_channels: { finance: "#finance-data" }\nbudgets: { finance: 3000 }\n',
    );
    expect(digestSchedules(policy).map((s) => s.key)).toEqual([
      'daily:#digest',
      'cost:finance:#finance-data',
    ]);
    clock.set(at('2026-11-22T07:00:00Z'));
    await postDueDigests(worker(policy));
    const report = (await digestsIn('#finance-data')).at(-1);
    expect(report?.title).toBe('Cost report · finance · 2026-11-21');
    expect(JSON.stringify(report)).toContain('of its $3,000.00 budget');
    expect(JSON.stringify(report)).not.toContain('marketing');
  });

  it('refuses a time that is not HH:MM and a time zone that does not exist', () => {
    expect(() => parsePolicy('digest: { at: "7am" }')).toThrow(/digest\.at: must be HH:MM/);
    expect(() => parsePolicy('digest: { channels: [{ channel: "#x", timezone: Mars/Olympus }] }')).toThrow(
      /digest\.channels\[0\]\.timezone: must be an IANA time zone/,
    );
    expect(() => parsePolicy('digest: { channels: [{ chanel: "#x" }] }')).toThrow(/digest\.channels\[0\]/);
  });
});
