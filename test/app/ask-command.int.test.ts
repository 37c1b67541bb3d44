import { describe, expect, it } from 'vitest';
import { runAsk } from '../../src/app/ask-command.js';
import { DEFAULT_SCENARIO_FILE } from '../../src/config/default-scenario-file.js';
import { loadEnv } from '../../src/config/env.js';

async function askJson(question: string, hours = 3): Promise<Record<string, unknown>> {
  let out = '';
  await runAsk(
    { question, json: true, scenario: DEFAULT_SCENARIO_FILE, hours, seed: 42 },
    {
      write: (t) => {
        out += t;
      },
      env: loadEnv({}),
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
