import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvalResult, evaluateScenario } from '../../src/app/eval-command.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { baseScenario } from '../sim/fixtures.js';

/**
 * The eval's simulated responder on a small workspace: the hourly orders job loses one commit race,
 * and the responder presses the incident's first suggestion two simulated minutes after it opens.
 */
function scenario(admins: string[], occurrences = 1): ScenarioInput {
  const s = baseScenario();
  s.duration_hours = 3;
  s.users = [
    ...(s.users ?? []),
    { email: 'erin@example.com', team: 'finance' },
    { email: 'frank@example.com', team: 'finance' },
  ];
  s.groups = [...(s.groups ?? []), { name: 'admins', members: admins }];
  s.operator = 'erin@example.com';
  s.faults = [
    {
      id: 'race',
      kind: 'concurrency_conflict',
      target: { job: 'orders_etl', task: 'transform' },
      start: '+0h',
      occurrences,
      expected: { category: 'concurrency', severity: 'P2', action: 'RETRY' },
    },
  ];
  return s;
}

let dir: string;
const file = (name: string) => join(dir, name);

/**
 * The two-admin run without a policy, replayed once for the tests that read it: the replay is seeded,
 * so a second one would only repeat the first.
 */
let twoAdmins: Promise<EvalResult> | undefined;
const twoAdminsRun = () =>
  (twoAdmins ??= evaluateScenario({ scenario: file('two-admins.json'), seed: 7, json: true }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-responder-'));
  await writeFile(
    file('two-admins.json'),
    JSON.stringify(scenario(['erin@example.com', 'frank@example.com'])),
  );
  await writeFile(file('one-admin.json'), JSON.stringify(scenario(['erin@example.com'])));
  // The race is lost again by the next hourly run, after the repair of the first recovered it.
  await writeFile(file('races-twice.json'), JSON.stringify(scenario(['erin@example.com'], 2)));
  // Every action waits for a second person.
  await writeFile(file('four-eyes.yaml'), "remediation:\n  requires_approval:\n    actions: ['*']\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the simulated responder in dbxops eval', () => {
  it('repairs a lost commit race on its first press, and the incident resolves', async () => {
    const r = await twoAdminsRun();
    const [response] = r.responses;
    expect(response).toMatchObject({
      suggested: ['repair', 'rerun', 'set_retry_policy'],
      firstOutcome: 'recovered',
    });
    expect(response?.pressedAfterMs).toBe(120_000);
    expect(response?.approved).toBeUndefined();
    expect(r.recovered_first_try).toBe(1);
    expect(r.mttr_p95_s).toBeGreaterThan(120);
    expect(r.audit_verified).toBe(true);
  }, 300_000);

  it('says when the fix went out, when its run ended and when the recovery was verified', async () => {
    const r = await twoAdminsRun();
    const [response] = r.responses;
    const pressed = response?.pressedAfterMs ?? Number.NaN;
    const executed = response?.executedAfterMs ?? Number.NaN;
    const ended = response?.runEndedAfterMs ?? Number.NaN;
    const recovered = response?.recoveredAfterMs ?? Number.NaN;
    expect(executed).toBeGreaterThanOrEqual(pressed);
    expect(ended).toBeGreaterThan(executed);
    expect(recovered).toBeGreaterThanOrEqual(ended);
    // A run's end is noticed within the replay's 30-second step (its webhook), not at a backoff minute.
    expect(recovered - ended).toBeLessThanOrEqual(30_000);
  }, 300_000);

  it('counts a verified recovery in MTTR even when the failure comes back and reopens the incident', async () => {
    const r = await evaluateScenario({ scenario: file('races-twice.json'), seed: 7, json: true });
    const [response] = r.responses;
    expect(response?.firstOutcome).toBe('recovered');
    expect(response?.recoveredAfterMs).toBeGreaterThan(120_000);
    expect(r.mttr_p95_s).toBe(Math.round((response?.recoveredAfterMs ?? 0) / 1000));
  }, 300_000);

  it('has a gated press approved by a second admin, after which it runs once', async () => {
    const r = await evaluateScenario({
      scenario: file('two-admins.json'),
      policy: file('four-eyes.yaml'),
      seed: 7,
      json: true,
    });
    expect(r.responses[0]).toMatchObject({ approved: true, firstOutcome: 'recovered' });
    expect(r.remediations_run).toBe(1);
    expect(r.recovered_first_try).toBe(1);
  }, 300_000);

  it('leaves a gated press unapproved when the scenario has no second admin: its request expires unanswered, and it counts as not recovered', async () => {
    const r = await evaluateScenario({
      scenario: file('one-admin.json'),
      policy: file('four-eyes.yaml'),
      seed: 7,
      json: true,
    });
    // The replay's wall clock is simulated: the request lives 30 minutes of the three hours.
    expect(r.responses[0]).toMatchObject({
      firstOutcome: 'failed',
      recoveredAfterMs: null,
      executedAfterMs: null,
    });
    expect(r.responses[0]?.approved).toBeUndefined();
    expect(r.recovered_first_try).toBe(0);
    expect(r.mttr_p95_s).toBeNull();
  }, 300_000);
});
