import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestRemediations } from '../../../src/agents/remediation/suggest-remediations.js';
import { evaluateScenario } from '../../../src/app/eval-command.js';
import { type Replay, replayScenario } from '../../../src/app/replay-scenario.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import type { Incident } from '../../../src/domain/incident.js';
import type { Signal } from '../../../src/domain/signal.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { baseScenario } from '../../sim/fixtures.js';

/**
 * Shared compute through the whole pipeline (the simulator on loopback, webhooks, polls, detectors,
 * correlator, triage, store): three nightly jobs of two teams share one all-purpose cluster, and at 02:15
 * the cloud takes its spot nodes, so all three fail within minutes.
 */
const JOBS = ['orders_enrich', 'customers_enrich', 'returns_enrich'];

function scenario(): ScenarioInput {
  const s = baseScenario();
  s.duration_hours = 4;
  // The eval's simulated responder acts as Alice, who owns the cluster (CAN_MANAGE).
  s.operator = 'alice@example.com';
  // A medium-risk change waits for a second admin's approval, which Bob gives.
  s.users = [...(s.users ?? []), { email: 'bob@example.com', team: 'finance' }];
  s.groups = [...(s.groups ?? []), { name: 'admins', members: ['alice@example.com', 'bob@example.com'] }];
  s.teams = [...(s.teams ?? []), { name: 'marketing' }];
  s.clusters = [
    {
      name: 'shared-etl',
      team: 'finance',
      owner: 'alice@example.com',
      node_type: 'r5.xlarge',
      workers: 4,
      availability: 'SPOT_WITH_FALLBACK',
      first_on_demand: 1,
      autotermination_minutes: 0,
    },
  ];
  s.jobs = JOBS.map((name, i) => ({
    name,
    team: i === 2 ? 'marketing' : 'finance',
    owner: 'alice@example.com',
    schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' },
    tasks: [{ key: 'enrich', existing_cluster: 'shared-etl', duration: { mean_minutes: 30, jitter: 0 } }],
  }));
  s.faults = [
    {
      id: 'spot-reclaimed',
      kind: 'spot_loss',
      target: { cluster: 'shared-etl' },
      start: '+2.25h',
      end: '+3h',
      expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
    },
  ];
  return s;
}

let dir: string;
let replay: Replay;
let incidents: { incident: Incident; signals: Signal[] }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-shared-compute-'));
  const file = join(dir, 'shared.json');
  await writeFile(file, JSON.stringify(scenario()));
  replay = await replayScenario({ scenario: file, seed: 7, policy: defaultPolicy(), step: 60 });
  // Every incident, open or resolved: the three failures must not have split into several.
  const ids = await replay.store.db.selectFrom('incidents').select('id').execute();
  incidents = [];
  for (const { id } of ids) {
    const incident = await replay.app.repos.incidents.get(id);
    if (incident) incidents.push({ incident, signals: await replay.app.repos.incidents.listSignals(id) });
  }
}, 300_000);

afterAll(async () => {
  await replay?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('jobs failing together on a shared cluster that lost its spot nodes', () => {
  it('are one incident, rooted at the cluster and named after it', () => {
    expect(incidents).toHaveLength(1);
    const [{ incident, signals }] = incidents as [{ incident: Incident; signals: Signal[] }];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    expect(root).toMatchObject({ kind: 'cluster_event', subject: { type: 'cluster', name: 'shared-etl' } });
    expect(root?.error?.terminationCode).toBe('SPOT_INSTANCE_TERMINATION');
    expect(incident.title).toContain('shared-etl');
    expect(incident.correlationKey).toBe(`cluster:${root?.refs.clusterId}`);
  });

  it('holds the failure of every job that ran on the cluster, each classified as lost capacity', () => {
    const [{ signals }] = incidents as [{ incident: Incident; signals: Signal[] }];
    const failed = signals.filter((s) => s.kind === 'task_failed' || s.kind === 'job_failed');
    expect(new Set(failed.map((s) => s.subject.name?.split(' / ')[0]))).toEqual(new Set(JOBS));
    for (const s of failed) expect(s.classification).toMatchObject({ category: 'capacity', transient: true });
  });

  it('tells someone: P3 or higher, so a card is posted', () => {
    const [{ incident }] = incidents as [{ incident: Incident; signals: Signal[] }];
    expect(['P1', 'P2', 'P3']).toContain(incident.severity);
  });

  it('suggests on-demand nodes for the cluster first, not a restart that kills what still runs', () => {
    const [{ incident, signals }] = incidents as [{ incident: Incident; signals: Signal[] }];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    expect(suggestRemediations(root)).toEqual(['retry_with_params', 'notify_owner']);
  });
});

describe('dbxops eval on a shared cluster that lost its spot nodes', () => {
  it('scores the fault found in one incident, and the on-demand change, once pressed and approved, runs', async () => {
    const r = await evaluateScenario({ scenario: join(dir, 'shared.json'), seed: 7, json: true, step: 60 });
    expect(r).toMatchObject({ recall: 1, precision: 1, incidents: 1, correlation_accuracy: 1 });
    // The responder presses the first suggestion; Bob approves; clusters/edit restarts the cluster on
    // on-demand nodes and the verifier sees it running again.
    expect(r.responses[0]).toMatchObject({
      suggested: ['retry_with_params', 'notify_owner'],
      approved: true,
      firstOutcome: 'recovered',
    });
    expect(r).toMatchObject({ remediations_run: 1, harmful_suggested: 0, audit_verified: true });
  }, 300_000);
});
