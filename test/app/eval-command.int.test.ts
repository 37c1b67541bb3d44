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

  it('finds a table held to a maximum age going stale, once it is older than that age', async () => {
    const s = baseScenario();
    s.duration_hours = 6;
    const job = s.jobs?.[0];
    if (job === undefined) throw new Error('the base scenario has a job');
    // Refreshed hourly, promised never more than 2 h old; its schedule stops firing at +2h.
    job.sla = { max_age: '2h', table: 'main.finance.orders' };
    s.faults = [
      {
        id: 'orders-stale',
        kind: 'stale_table',
        target: { table: 'main.finance.orders' },
        start: '+2h',
        end: '+6h',
        expected: { category: 'dependency', severity: 'P2', action: 'ESCALATE' },
      },
    ];
    const file = join(dir, 'max-age.json');
    await writeFile(file, JSON.stringify(s));
    const r = await evaluateScenario({ scenario: file, seed: 3, json: true });
    const [fault] = r.per_fault;
    expect(fault).toMatchObject({ detected: true, evidenceKinds: expect.arrayContaining(['sla_missed']) });
    // Due an hour after its last write (+1h10m), too old an hour after that: about an hour to detect.
    expect(fault?.timeToDetectS).toBeGreaterThan(45 * 60);
    expect(fault?.timeToDetectS).toBeLessThan(90 * 60);
  }, 300_000);
});
