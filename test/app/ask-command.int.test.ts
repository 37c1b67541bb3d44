import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsk } from '../../src/app/ask-command.js';
import { DEFAULT_SCENARIO_FILE } from '../../src/config/default-scenario-file.js';
import { type Env, loadEnv } from '../../src/config/env.js';
import { openStore } from '../../src/store/open-store.js';
import { TokenUsageRepository } from '../../src/store/token-usage-repository.js';
import { type FakeChatCompletions, startFakeChatCompletions } from '../support/fake-chat-completions.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';

async function askJson(
  question: string,
  hours = 3,
  env: Env = loadEnv({}),
): Promise<Record<string, unknown>> {
  let out = '';
  await runAsk(
    { question, json: true, scenario: DEFAULT_SCENARIO_FILE, hours, seed: 42 },
    {
      write: (t) => {
        out += t;
      },
      env,
    },
  );
  expect(out.endsWith('\n')).toBe(true);
  return JSON.parse(out) as Record<string, unknown>;
}

describe('dbxops ask --json', () => {
  it('prints the question, the SQL, the columns, the rows and the summary, from the scenario played to its end', async () => {
    const answer = await askJson('which warehouses have no auto-stop?');
    expect(Object.keys(answer)).toEqual(['question', 'sql', 'columns', 'rows', 'summary']);
    expect(answer).toMatchObject({
      question: 'which warehouses have no auto-stop?',
      columns: [
        'warehouse_name',
        'warehouse_id',
        'warehouse_size',
        'warehouse_type',
        'auto_stop_minutes',
        'changed',
      ],
      // platform_adhoc's auto-stop is turned off in the demo's first hour.
      rows: [['platform_adhoc', 'f13f05b6502d786f', 'LARGE', 'PRO', 0, '2026-11-20T01:00:00.000Z']],
      summary: '1 warehouse never stops on its own: platform_adhoc.',
    });
    expect(answer.sql).toMatch(/^SELECT warehouse_name/);
  }, 120_000);

  it('prints a refusal with sql null and the reason in the summary', async () => {
    const answer = await askJson('drop table system.billing.usage', 1);
    expect(answer).toMatchObject({ sql: null, columns: [], rows: [] });
    expect(answer.summary).toMatch(/^I only read the system tables/);
  }, 120_000);
});

describe('dbxops ask with a model and DATABASE_URL', () => {
  let fake: FakeChatCompletions;
  let url: string;

  beforeAll(async () => {
    fake = await startFakeChatCompletions();
    url = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await fake?.close();
    if (url !== undefined) await dropTestDatabase(url);
  });

  it("counts against the deployment's daily budget: spent by other processes, the model is not asked", async () => {
    const store = await openStore({ databaseUrl: url });
    // dbxops ask reads the system clock: spend today and tomorrow, so a run across midnight holds too.
    const usage = new TokenUsageRepository(store.db);
    for (const ms of [Date.now(), Date.now() + 86_400_000])
      await usage.add(new Date(ms).toISOString().slice(0, 10), 10_000_000, ms);
    await store.close();
    const env = loadEnv({
      DATABASE_URL: url,
      OPENAI_API_KEY: 'sk-ask-command-test',
      OPENAI_BASE_URL: fake.baseURL,
      DBXOPS_LLM_MODEL: 'gpt-test',
    });
    const answer = await askJson('how many distinct SKUs are there?', 1, env);
    expect(answer).toMatchObject({ sql: null });
    expect(answer.summary).toMatch(/^I can't answer that yet \(today's model budget is spent\)/);
    expect(fake.requests).toHaveLength(0);
  }, 120_000);
});
