import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyst } from '../../src/agents/analyst/analyst.js';
import { openScenarioWarehouse, type ScenarioWarehouse } from '../../src/app/scenario-warehouse.js';
import { askButtons } from '../../src/cards/ask-button.js';
import { answerCardViewSchema, type CardViewInput } from '../../src/cards/card-views.js';
import { DEFAULT_SCENARIO_FILE } from '../../src/config/default-scenario-file.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createChatHandler } from '../../src/handlers/chat-handler.js';
import type { ChatRequest, ChatResponse } from '../../src/handlers/chat-request.js';
import { AskContextRepository } from '../../src/store/ask-context-repository.js';
import { CardPostRepository } from '../../src/store/card-post-repository.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../src/store/processed-key-repository.js';

// Six hours of the demo scenario, seed 42, exactly as `dbxops sim export --hours 6` writes it.
let demo: ScenarioWarehouse;
let store: Store;
let seq = 0;
const wallClock = new ManualClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  demo = await openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, hours: 6, seed: 42 });
  store = await openStore({ dataDir: 'memory://' });
  await store.migrate();
}, 120_000);

afterAll(async () => {
  await demo?.close();
  await store?.close();
});

function handler() {
  const policy = defaultPolicy();
  return createChatHandler({
    incidents: new IncidentRepository(store.db),
    cardPosts: new CardPostRepository(store.db),
    notify: async () => {},
    processedKeys: new ProcessedKeyRepository(store.db),
    clock: demo.clock,
    wallClock,
    policy,
    logger: pino({ level: 'silent' }),
    analyst: createAnalyst({
      warehouse: demo.warehouse,
      workspaceId: demo.workspaceId,
      clock: demo.clock,
      wallClock,
      policy,
      contexts: new AskContextRepository(store.db),
    }),
  });
}

const base = (thread = `t-${++seq}`) => ({
  actor: { surface: 'slack' as const, userId: 'U0ALICE01' },
  conversation: { surface: 'slack' as const, channelId: 'C0OPS', threadId: thread },
  requestId: `req-${++seq}`,
  receivedAt: 0,
});

function answerOf(response: ChatResponse) {
  if (!response.ok) throw new Error(`expected ok, got ${response.reason}: ${response.userMessage}`);
  const card: CardViewInput | undefined = response.replies[0]?.card;
  return answerCardViewSchema.parse(card);
}

describe('questions answered by the analyst', () => {
  it('answers /dbx ask to the person who asked, as an answer card with rows, SQL and buttons', async () => {
    const response = await handler()({ ...base(), kind: 'command', text: 'ask what failed today?' });
    expect(response.ok && response.replies[0]?.audience).toBe('requester');
    const card = answerOf(response);
    expect(card.question).toBe('what failed today?');
    expect(card.answer).toMatch(/failed run/);
    expect(card.table?.columns).toEqual(['job', 'team', 'failures', 'last_failure', 'last_code']);
    expect(card.sql).toContain('system.lakeflow.job_run_timeline');
    expect(card.freshness).toMatch(/^Covers .* UTC\.$/);
    expect(card.buttons.length).toBeGreaterThan(0);
  });

  it('answers a mention in its thread for everyone', async () => {
    const response = await handler()({ ...base(), kind: 'question', text: 'idle warehouses' });
    expect(response.ok && response.replies[0]).toMatchObject({ audience: 'conversation', inThread: true });
    expect(answerOf(response).answer).toMatch(/warehouse/);
  });

  it('asks the question a follow-up button carries, in the same conversation', async () => {
    const h = handler();
    const thread = `t-${++seq}`;
    const first = answerOf(await h({ ...base(thread), kind: 'question', text: 'status of mkt' }));
    expect(first.answer).toMatch(/^"mkt" fits 5 jobs/);
    const pick = askButtons(first).find((b) => b.label === 'mkt_sessionize');
    expect(pick).toBeDefined();
    const pressed = await h({
      ...base(thread),
      kind: 'button',
      actionId: pick!.actionId,
      value: pick!.value,
    });
    expect(answerOf(pressed).answer).toMatch(/^mkt_sessionize: last run/);
  });

  it('keeps the thread\'s context for "and today?"', async () => {
    const h = handler();
    const thread = `t-${++seq}`;
    await h({ ...base(thread), kind: 'question', text: 'failures in marketing in the past 3 hours' });
    const follow = answerOf(await h({ ...base(thread), kind: 'question', text: 'and today?' }));
    expect(follow.sql).toContain(':team');
    expect(follow.answer).toMatch(/of team marketing today/);
  });

  it('handles a repeated delivery once', async () => {
    const h = handler();
    const request: ChatRequest = { ...base(), kind: 'question', text: 'untagged spend' };
    expect((await h(request)).ok).toBe(true);
    expect(await h(request)).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  it('refuses a button whose value is not a question it wrote', async () => {
    const response = await handler()({
      ...base(),
      kind: 'button',
      actionId: 'dbx:ask:0',
      value: 'd1|i|ack|x|1',
    });
    expect(response).toMatchObject({ ok: false, reason: 'invalid_request' });
  });

  it('asks for the question when /dbx ask has none', async () => {
    const response = await handler()({ ...base(), kind: 'command', text: 'ask' });
    expect(response).toMatchObject({ ok: false, reason: 'unknown_command' });
    expect(!response.ok && response.userMessage).toMatch(/^Tell me the question/);
  });

  it('answers a 100 KB question with a refusal card, not an error', async () => {
    const card = answerOf(await handler()({ ...base(), kind: 'question', text: 'why '.repeat(25_000) }));
    expect(card.answer).toMatch(/^That question is 99,999 characters long/);
  });
});
