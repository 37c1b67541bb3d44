import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvalResult, evaluateScenario } from '../../src/app/eval-command.js';
import { historyScenario } from '../sim/eval/history-scenario.js';

/**
 * Three scored nights after a week of healthy ones, replayed through the whole pipeline (five-minute
 * steps keep it to a few minutes): the history gives the first night's runs a baseline, a transient
 * conflict that the task's own retry recovered pages nobody, and a write conflict that comes back every
 * night opens a recurring issue by its third night that says to separate the schedules.
 */
let dir: string;
let result: EvalResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-history-'));
  const file = join(dir, 'history.json');
  await writeFile(file, JSON.stringify(historyScenario({ historyDays: 7 })));
  result = await evaluateScenario({ scenario: file, seed: 3, json: true, step: 300 });
}, 900_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dbxops eval of a scenario with a week of history', () => {
  it("reports a job running long on the scored window's first night, judged against the history's runs", () => {
    const slow = result.per_fault.find((f) => f.id === 'slow-first-night');
    expect(slow?.detected, JSON.stringify(result.per_fault)).toBe(true);
    expect(result.precision, JSON.stringify(result.unmatched_incidents)).toBe(1);
  });

  it('pages nobody for a conflict the task retry recovered, and leaves it out of the faults to find', () => {
    expect(result.must_not_page).toBe(1);
    expect(result.must_not_page_violations, JSON.stringify(result.must_not_page_violation_examples)).toBe(0);
    expect(result.per_fault.map((f) => f.id)).not.toContain('retried-blip');
  });

  it('opens a recurring issue by the third night of a write conflict, recommending separate schedules', () => {
    expect(result.recurring_expected).toBe(1);
    const [nightly] = result.per_recurring;
    expect(nightly, JSON.stringify(result.per_recurring)).toMatchObject({
      id: 'nightly-conflict',
      detected: true,
      occurrences: 3,
    });
    expect(nightly?.openedAtOccurrence).toBeLessThanOrEqual(3);
    expect(nightly?.recommendation).toMatch(/Separate the schedules/);
  });
});
