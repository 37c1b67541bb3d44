import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import type { Incident } from '../../src/domain/incident.js';
import { renderIncidentCardHtml } from '../../src/cards/html-cards.js';
import { renderIncidentCardSlack } from '../../src/cards/slack-cards.js';
import { renderIncidentCardTeams } from '../../src/cards/teams-cards.js';
import type { Signal } from '../../src/domain/signal.js';
import { incidentCardView } from '../../src/handlers/incident-card-view.js';
import { scenarioWith } from '../sim/fixtures.js';
import { type DemoPolled, pollScenario } from '../support/demo-polls.js';

const HOUR = 3_600_000;

/**
 * A small workspace through the production monitoring loop: orders_etl runs hourly as alice on the
 * all-purpose cluster shared-etl, which her group finance-etl may attach to. At +90 min bob, the
 * cluster's owner, takes that away until +5 h, and every run from 02:00 fails; at +1 h he also takes
 * dave's attach on the other cluster, which no job of dave's uses.
 */
const scenario = scenarioWith((s) => {
  s.users = [
    ...(s.users ?? []),
    { email: 'bob@example.com', team: 'finance' },
    { email: 'dave@example.com', team: 'finance' },
  ];
  s.clusters = [
    { name: 'shared-etl', team: 'finance', owner: 'bob@example.com' },
    { name: 'other-etl', team: 'finance', owner: 'bob@example.com' },
  ];
  const job = s.jobs![0]!;
  job.criticality = 'standard';
  delete job.sla;
  job.job_clusters = [];
  for (const t of job.tasks) {
    delete t.cluster;
    t.existing_cluster = 'shared-etl';
  }
  for (const t of s.tables ?? []) t.criticality = 'standard';
  s.permissions = [
    { cluster: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' },
    { cluster: 'other-etl', principal: 'dave@example.com', level: 'CAN_ATTACH_TO' },
  ];
  const expected = { category: 'permission', severity: 'P3', action: 'NOTIFY_OWNER' } as const;
  s.faults = [
    {
      id: 'detached',
      kind: 'revoked_permission',
      target: { permission: { cluster: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' } },
      start: '+90m',
      end: '+5h',
      expected,
    },
    {
      id: 'unrelated',
      kind: 'revoked_permission',
      target: { permission: { cluster: 'other-etl', principal: 'dave@example.com', level: 'CAN_ATTACH_TO' } },
      start: '+1h',
      end: '+5h',
      expected,
    },
  ];
});

let polled: DemoPolled;
let embedded: EmbeddedWorkspace;
let app: BotApp;

beforeAll(async () => {
  polled = await pollScenario({ scenario, seed: 3 }, { fromHours: 0, toHours: 5 });
  ({ embedded, app } = polled);
}, 600_000);
afterAll(async () => {
  await polled?.close();
});

async function incidentsWith(predicate: (s: Signal) => boolean) {
  const out: { incident: Incident; signals: Signal[] }[] = [];
  for (const incident of await app.repos.incidents.listOpen({ limit: 1_000 })) {
    const signals = await app.repos.incidents.listSignals(incident.id);
    if (signals.some(predicate)) out.push({ incident, signals });
  }
  return out;
}

const clusterId = (name: string) => embedded.workspace.clusters.byName.get(name)!.clusterId;
const aclChangeOn = (name: string) => (s: Signal) =>
  s.kind === 'acl_changed' && s.subject.id === clusterId(name);
const permissionFailure = (s: Signal) =>
  s.classification?.category === 'permission' && s.kind !== 'acl_changed';

describe('a cluster permission taken away', () => {
  it('puts the change and every run it broke in one incident, rooted at the change', async () => {
    const found = await incidentsWith(aclChangeOn('shared-etl'));
    expect(found).toHaveLength(1);
    const [{ incident, signals }] = found as [{ incident: Incident; signals: Signal[] }];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    // The audit row names the group by its SCIM id; dbxops names it as the ACL does.
    expect(root).toMatchObject({
      kind: 'acl_changed',
      subject: { type: 'cluster' },
      refs: { principal: 'finance-etl', changedBy: 'bob@example.com' },
    });
    // The runs of 02:00, 03:00 and 04:00, an hour apart: beyond the correlation window.
    const failures = signals.filter(permissionFailure);
    expect(new Set(failures.map((s) => s.refs.runId)).size).toBeGreaterThanOrEqual(3);
    expect(failures.every((s) => s.refs.clusterId === clusterId('shared-etl'))).toBe(true);
    // No failure opened an incident of its own.
    expect(await incidentsWith(permissionFailure)).toHaveLength(1);
    expect(incident.category).toBe('permission');
    // Only a person can give the permission back: a card, at P3.
    expect(incident.severity).toBe('P3');
  });

  it('names on the card who changed which permission on which cluster, by its name, and when, and suggests no retry', async () => {
    const [{ incident, signals }] = (await incidentsWith(aclChangeOn('shared-etl'))) as [
      { incident: Incident; signals: Signal[] },
    ];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    const when = new Date(embedded.workspace.startMs + 1.5 * HOUR)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
    const now = embedded.workspace.now();
    const view = incidentCardView(incident, { rootSignal: root, nowMs: now });
    // The audit row gives the cluster's id only; the card names it as people know it, the id beside.
    const change = `finance-etl's permission on cluster shared-etl (${clusterId('shared-etl')}) removed by bob@example.com at ${when} UTC`;
    expect(view.rootCause.evidence.errorExcerpt).toBe(change);
    expect(incident.title).toBe("finance-etl's permission on cluster shared-etl removed");
    // Each surface shows that same card: what was changed, by its name, by whom and when.
    for (const rendered of [
      JSON.stringify(renderIncidentCardSlack(view, now)),
      JSON.stringify(renderIncidentCardTeams(view, now)),
      renderIncidentCardHtml(view, now).replaceAll('&#39;', "'"),
    ]) {
      expect(rendered).toContain("finance-etl's permission on cluster shared-etl removed");
      expect(rendered).toContain(change);
    }
    expect(view.remediations.map((r) => r.id)).not.toContain('rerun');
    expect(view.remediations.map((r) => r.id)).not.toContain('repair');
  });

  it('joins nothing to a change on another cluster', async () => {
    const found = await incidentsWith(aclChangeOn('other-etl'));
    expect(found).toHaveLength(1);
    expect(found[0]!.signals.map((s) => s.kind)).toEqual(['acl_changed']);
  });
});
