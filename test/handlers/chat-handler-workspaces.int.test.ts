import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyst } from '../../src/agents/analyst/analyst.js';
import { createCostAnalyst } from '../../src/agents/analyst/cost-report.js';
import { openScenarioWarehouse, type ScenarioWarehouse } from '../../src/app/scenario-warehouse.js';
import { answerCardViewSchema, type CardViewInput } from '../../src/cards/card-views.js';
import { DEFAULT_SCENARIO_FILE } from '../../src/config/default-scenario-file.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { ManualClock } from '../../src/domain/clock.js';
import { type AskableWorkspace, createChatHandler } from '../../src/handlers/chat-handler.js';
import type { ChatRequest, ChatResponse } from '../../src/handlers/chat-request.js';
import { AskContextRepository } from '../../src/store/ask-context-repository.js';
import { CardPostRepository } from '../../src/store/card-post-repository.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../src/store/processed-key-repository.js';

/**
 * `/dbx cost`, `/dbx ask` and questions with two workspaces: the demo's retailer (`acme-prod`, the first)
 * and the streaming company (`northlight-prod`), six hours of each, seed 42, each on its own warehouse.
 */

const ACME_ID = '1234567890123456';
const NORTHLIGHT_ID = '7301928465019283';
let acme: ScenarioWarehouse;
let northlight: ScenarioWarehouse;
let store: Store;
let seq = 0;
const wallClock = new ManualClock(Date.UTC(2026, 0, 1));
const policy = defaultPolicy();

beforeAll(async () => {
  [acme, northlight] = await Promise.all([
    openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, hours: 6, seed: 42 }),
    openScenarioWarehouse({ scenario: 'scenarios/streaming.yaml', hours: 6, seed: 42 }),
  ]);
  store = await openStore({ dataDir: 'memory://' });
  await store.migrate();
}, 180_000);

afterAll(async () => {
  await acme?.close();
  await northlight?.close();
  await store?.close();
});

function workspace(id: string, name: string, scenario: ScenarioWarehouse): AskableWorkspace {
  return {
    id,
    name,
    cost: createCostAnalyst({ warehouse: scenario.warehouse, workspaceId: id }),
    analyst: createAnalyst({
      warehouse: scenario.warehouse,
      workspaceId: id,
      clock: scenario.clock,
      wallClock,
      policy,
      contexts: new AskContextRepository(store.db),
    }),
  };
}

function handler(workspaces: readonly AskableWorkspace[]) {
  return createChatHandler({
    incidents: new IncidentRepository(store.db),
    cardPosts: new CardPostRepository(store.db),
    notify: async () => {},
    processedKeys: new ProcessedKeyRepository(store.db),
    // Both scenarios end at the same simulated hour.
    clock: acme.clock,
    wallClock,
    policy,
    logger: pino({ level: 'silent' }),
    workspaces,
  });
}

const both = () =>
  handler([workspace(ACME_ID, 'acme-prod', acme), workspace(NORTHLIGHT_ID, 'northlight-prod', northlight)]);

const base = () => ({
  actor: { surface: 'slack' as const, userId: 'U0ALICE01' },
  conversation: { surface: 'slack' as const, channelId: 'C0OPS', threadId: `t-${++seq}` },
  requestId: `ws-${++seq}`,
  receivedAt: 0,
});
const command = (text: string): ChatRequest => ({ ...base(), kind: 'command', text });

function cardOf(response: ChatResponse): CardViewInput {
  if (!response.ok) throw new Error(`expected ok, got ${response.reason}: ${response.userMessage}`);
  return response.replies[0]!.card;
}

const answerOf = (response: ChatResponse) => answerCardViewSchema.parse(cardOf(response));

function costOf(response: ChatResponse) {
  const card = cardOf(response);
  if (card.kind !== 'cost') throw new Error(`expected a cost card, got ${card.kind}`);
  return card;
}

describe('cost and questions with several workspaces', () => {
  it('answers /dbx ask from the workspace it names, says which, and keeps its follow-ups there', async () => {
    const h = both();
    const first = answerOf(await h(command('ask what failed today?')));
    const named = answerOf(await h(command('ask what failed today? workspace:northlight-prod')));
    expect(first.freshness).toMatch(/^From acme-prod\. Covers /);
    expect(named.freshness).toMatch(/^From northlight-prod\. Covers /);
    expect(named.question).toBe('what failed today?');
    // Each answer comes from its own workspace's tables: none of acme-prod's jobs in northlight-prod's rows.
    const jobs = (card: typeof first) => new Set(card.table?.rows.map((r) => r[0]));
    expect(jobs(named).size).toBeGreaterThan(0);
    expect([...jobs(named)].filter((j) => jobs(first).has(j))).toEqual([]);
    expect(named.buttons.length).toBeGreaterThan(0);
    for (const b of named.buttons) expect(b.question).toMatch(/ workspace:northlight-prod$/);
  });

  it('takes the workspace in a mention too, by name in any case or by id', async () => {
    const h = both();
    const byName = await h({
      ...base(),
      kind: 'question',
      text: 'WORKSPACE:NorthLight-Prod idle warehouses',
    });
    expect(answerOf(byName).freshness).toMatch(/^From northlight-prod\./);
    const byId = await h({ ...base(), kind: 'question', text: `idle warehouses workspace:${NORTHLIGHT_ID}` });
    expect(answerOf(byId).freshness).toMatch(/^From northlight-prod\./);
  });

  it('reads /dbx cost from the workspace it names, and its buttons read the same one', async () => {
    const h = both();
    const first = costOf(await h(command('cost 7d')));
    // The two simulators' billing ends weeks apart: 30 days covers northlight-prod's.
    const named = costOf(await h(command('cost workspace:northlight-prod 30d')));
    expect(first.target).toBe('the workspace in acme-prod');
    expect(named.target).toBe('the workspace in northlight-prod');
    expect(named.command).toBe('cost workspace workspace:northlight-prod 30d');
    // The SQL is bound to the named workspace's id.
    expect(named.sql?.map((s) => s.params?.workspace_id)).toEqual(named.sql?.map(() => NORTHLIGHT_ID));
    expect(first.sql?.map((s) => s.params?.workspace_id)).toEqual(first.sql?.map(() => ACME_ID));
    expect(named.usd).toBeGreaterThan(0);
    expect(first.usd).toBeGreaterThan(0);
    expect(named.topJobs?.map((j) => j.name)).not.toContain(first.topJobs?.[0]?.name);
  });

  it("keeps a candidate button's workspace when a name fits several things", async () => {
    const reply = cardOf(await both()(command('cost cdn workspace:northlight-prod 30d')));
    expect(reply.kind).toBe('message');
    const commands = reply.kind === 'message' ? (reply.commands ?? []) : [];
    expect(commands.length).toBeGreaterThan(1);
    for (const c of commands) expect(c.command).toContain('workspace:northlight-prod');
  });

  it('refuses a workspace it does not watch, listing the ones it does, and reads nothing', async () => {
    const h = both();
    const cost = await h(command('cost finance workspace:staging'));
    expect(cost).toMatchObject({ ok: false, reason: 'not_found' });
    expect(!cost.ok && cost.userMessage).toBe(
      'I watch no workspace called `staging`. Name one of `acme-prod`, `northlight-prod`.',
    );
    const ask = await h(command('ask what failed today? workspace:9999'));
    expect(JSON.stringify(ask)).toContain('I watch no workspace called `9999`. Name one of `acme-prod`');
    const mention = cardOf(await h({ ...base(), kind: 'question', text: 'workspace:staging what failed?' }));
    expect(mention).toMatchObject({ kind: 'message', tone: 'warning' });
  });

  it('refuses a hostile or malformed workspace word with how to write it', async () => {
    const h = both();
    for (const text of [
      'cost workspace:<script>alert(1)</script>',
      'cost workspace:"acme prod',
      'ask workspace:a workspace:b why',
      `cost workspace:${'n'.repeat(5_000)}`,
    ]) {
      const reply = await h(command(text));
      expect(reply.ok).toBe(false);
      expect(JSON.stringify(reply)).not.toContain('<script>');
    }
    const mention = cardOf(await h({ ...base(), kind: 'question', text: 'workspace:`x` why' }));
    expect(mention).toMatchObject({ kind: 'message', tone: 'warning' });
    expect(mention.kind === 'message' && mention.text).toContain('workspace:<name>');
  });

  it('with one workspace, names it nowhere and accepts only its own name', async () => {
    const h = handler([workspace(ACME_ID, 'acme-prod', acme)]);
    expect(answerOf(await h(command('ask what failed today? workspace:acme-prod'))).freshness).toMatch(
      /^Covers /,
    );
    expect(costOf(await h(command('cost 7d'))).target).toBe('the workspace');
    const other = await h(command('cost workspace:northlight-prod'));
    expect(!other.ok && other.userMessage).toBe(
      'I watch no workspace called `northlight-prod`. The one I watch is `acme-prod`.',
    );
  });

  it('answers a repeated request once', async () => {
    const h = both();
    const request = command('cost workspace:northlight-prod 7d');
    expect((await h(request)).ok).toBe(true);
    expect(await h(request)).toMatchObject({ ok: false, reason: 'duplicate' });
  });
});
