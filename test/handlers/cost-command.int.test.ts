import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardViewInput } from '../../src/cards/card-views.js';
import { createCostAnalyst } from '../../src/agents/analyst/cost-report.js';
import { encodeCommandValue } from '../../src/cards/command-button.js';
import { defaultPolicy, parsePolicy } from '../../src/config/policy.js';
import { DuckDbWarehouse } from '../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createChatHandler } from '../../src/handlers/chat-handler.js';
import type { ChatRequest, ChatResponse } from '../../src/handlers/chat-request.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { DEMO_END, type DemoExport, exportDemo } from '../agents/analyst/demo-export.js';

let demo: DemoExport;
let warehouse: DuckDbWarehouse;
let store: Store;
let seq = 0;

beforeAll(async () => {
  demo = await exportDemo();
  warehouse = await DuckDbWarehouse.openFile(demo.path, { clock: new ManualClock(DEMO_END) });
  store = await openStore({ dataDir: 'memory://' });
}, 120_000);
afterAll(async () => {
  await store?.close();
  await warehouse?.close();
  await demo?.close();
});

function handler(overrides: { warehouse?: DuckDbWarehouse; policyYaml?: string } = {}) {
  const repos = createRepositories(store.db);
  return createChatHandler({
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    notify: async () => {},
    processedKeys: repos.processedKeys,
    clock: new ManualClock(DEMO_END),
    policy: overrides.policyYaml === undefined ? defaultPolicy() : parsePolicy(overrides.policyYaml),
    logger: pino({ level: 'silent' }),
    cost: createCostAnalyst({ warehouse: overrides.warehouse ?? warehouse, workspaceId: demo.workspaceId }),
    chartUrl: (chart) =>
      `https://dbxops.example.com/charts/cost.png?days=${chart.kind === 'daily' ? chart.days.length : 0}`,
  });
}

const base = () => ({
  actor: { surface: 'console' as const, userId: 'you' },
  conversation: { surface: 'console' as const, channelId: 'finops' },
  requestId: `cost-handler-${++seq}`,
  receivedAt: DEMO_END,
});
const command = (text: string): ChatRequest => ({ ...base(), kind: 'command', text });
const press = (actionId: string, value: string): ChatRequest => ({
  ...base(),
  kind: 'button',
  actionId,
  value,
});

function card(response: ChatResponse): CardViewInput {
  if (!response.ok) throw new Error(response.userMessage);
  const first = response.replies[0];
  if (first === undefined) throw new Error('no reply');
  return first.card;
}

describe('/dbx cost in the chat handler', () => {
  it('posts a cost card to the conversation with the chart URL and the command that made it', async () => {
    const reply = await handler()(command('cost finance 30d'));
    expect(reply.ok && reply.replies[0]?.audience).toBe('conversation');
    expect(card(reply)).toMatchObject({
      kind: 'cost',
      target: 'team finance',
      periodLabel: 'the past 30 days',
      chartUrl: 'https://dbxops.example.com/charts/cost.png?days=30',
      command: 'cost team:finance 30d',
    });
  });

  it('reads the workspace time zone and a tag budget from dbxops.yaml', async () => {
    const yaml = 'timezone: Asia/Tokyo\nbudgets:\n  cost_center=CC-100: 5\n';
    const reply = await handler({ policyYaml: yaml })(command('cost cost_center=CC-100 this month'));
    expect(card(reply)).toMatchObject({
      kind: 'cost',
      timeZone: 'Asia/Tokyo',
      budget: { key: 'cost_center=CC-100', monthlyUsd: 5 },
    });
  });

  it('offers each candidate of an ambiguous name as a button that runs the command again', async () => {
    const reply = card(await handler()(command('cost mkt yesterday')));
    expect(reply).toMatchObject({ kind: 'message' });
    const commands = reply.kind === 'message' ? (reply.commands ?? []) : [];
    expect(commands.length).toBeGreaterThan(1);
    expect(commands[0]?.command).toMatch(/^cost job:\d+ yesterday$/);
    const again = await handler()(press('dbx:run:0', encodeCommandValue(commands[0]?.command ?? '')));
    expect(card(again)).toMatchObject({ kind: 'cost', periodLabel: 'yesterday' });
  });

  it('answers Show SQL with every statement and its bound values', async () => {
    const reply = card(await handler()(press('dbx:show_sql', encodeCommandValue('cost team:finance 7d'))));
    expect(reply).toMatchObject({ kind: 'answer', question: '/dbx cost team:finance 7d' });
    const sql = reply.kind === 'answer' ? (reply.sql ?? '') : '';
    expect(sql).toContain('FROM system.billing.usage u');
    expect(sql).toContain(":team = 'finance'");
  });

  it('refuses a forged or oversized button value without running anything', async () => {
    expect(await handler()(press('dbx:run', 'r1|'))).toMatchObject({ ok: false, reason: 'invalid_request' });
    expect(await handler()(press('dbx:run', `r1|cost ${'x'.repeat(5_000)}`))).toMatchObject({
      ok: false,
      reason: 'invalid_request',
    });
    expect(await handler()(press('dbx:show_sql', encodeCommandValue('ack inc_1')))).toMatchObject({
      ok: false,
      reason: 'invalid_request',
    });
  });

  it("shows a warehouse's refusal in Databricks' words with the SQL, not a stack trace", async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const empty = await DuckDbWarehouse.open(await instance.connect(), { clock: new ManualClock(DEMO_END) });
    try {
      const reply = card(await handler({ warehouse: empty })(command('cost finance')));
      expect(reply).toMatchObject({ kind: 'message', tone: 'error' });
      const text = reply.kind === 'message' ? reply.text : '';
      expect(text).toMatch(/^The SQL warehouse refused the query: .*billing\.usage.*does not exist/s);
      expect(text).toContain('(NOT_FOUND, SQLSTATE 42P01)');
      expect(reply.kind === 'message' ? reply.fields?.[0]?.value : '').toContain(
        'FROM system.billing.usage u',
      );
      expect(text).not.toMatch(/\n\s+at /);
    } finally {
      await empty.close();
      instance.closeSync();
    }
  });

  it('handles a duplicated delivery once', async () => {
    const request = command('cost finance');
    expect((await handler()(request)).ok).toBe(true);
    expect(await handler()(request)).toMatchObject({ ok: false, reason: 'duplicate' });
  });
});
