import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateScenario } from '../../src/app/eval-command.js';
import { baseScenario } from '../sim/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-eval-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dbxops eval', () => {
  it('counts time to detect zero-row loads from the third empty load in a row, when they become a fault to find', async () => {
    const s = baseScenario();
    s.duration_hours = 5;
    s.faults = [
      {
        id: 'empty-loads',
        kind: 'zero_rows',
        target: { job: 'orders_etl', task: 'load' },
        start: '+0.5h',
        occurrences: 3,
        expected: { category: 'data_quality', severity: 'P1', action: 'NOTIFY_OWNER' },
      },
    ];
    const file = join(dir, 'zero-rows.json');
    await writeFile(file, JSON.stringify(s));
    const r = await evaluateScenario({ scenario: file, seed: 3, json: true });
    const [fault] = r.per_fault;
    expect(fault?.detected).toBe(true);
    // Two hours of empty loads before the third are no delay of detection's: minutes, not hours.
    expect(fault?.timeToDetectS).toBeLessThan(600);
  }, 300_000);
});
