import { describe, expect, it } from 'vitest';
import { detectSlaBreaches } from '../../src/agents/detector/detect-sla.js';
import { runObservationSchema, tableSlaSchema } from '../../src/agents/detector/observations.js';
import { incidentCardViewSchema } from '../../src/cards/card-views.js';
import { newIncident } from '../../src/domain/incident.js';
import { incidentCardView } from '../../src/handlers/incident-card-view.js';
import { failedRunSignal } from '../fixtures/slack/incident-fixture.js';

const NOW = Date.UTC(2026, 0, 1, 4, 0, 0);

function incident() {
  const made = newIncident({
    id: 'inc_abc123456',
    workspaceId: 'ws-prod',
    fingerprint: 'fp',
    title: 'Nightly orders ETL failing',
    severity: 'P1',
    openedAt: NOW,
    team: 'data-eng',
    slaDeadline: NOW + 1_800_000,
    blastRadius: { jobs: ['daily_revenue'], tables: ['main.sales.orders'], count: 7 },
  });
  if (!made.ok) throw new Error(made.userMessage);
  return made.value;
}

describe('incidentCardView', () => {
  it('names the evidence of an SLA at risk on the card', () => {
    const sla = tableSlaSchema.parse({
      workspaceId: 'ws-prod',
      table: 'main.mart.daily_revenue',
      deadline: '04:30',
      timezone: 'UTC',
      upstreamJobIds: ['42'],
      lastRefreshedAt: NOW - 25 * 3_600_000,
    });
    const failed = runObservationSchema.parse({
      workspaceId: 'ws-prod',
      jobId: '42',
      jobName: 'Orders ETL',
      runId: '7',
      lifeCycleState: 'TERMINATED',
      resultState: 'FAILED',
      startTime: NOW - 3_600_000,
      endTime: NOW - 1_800_000,
    });
    const [atRisk] = detectSlaBreaches([sla], [failed], NOW).signals;
    const view = incidentCardView(incident(), { nowMs: NOW, rootSignal: atRisk });
    expect(view.rootCause.evidence.errorExcerpt).toBe(
      'Upstream Orders ETL failed at 2026-01-01 03:30 UTC (run 7)',
    );
  });

  it('says a maximum-age SLA by its age on the card, and a deadline by its countdown', () => {
    const live = tableSlaSchema.parse({
      workspaceId: 'ws-prod',
      table: 'main.sales.orders_live',
      maxAgeMinutes: 120,
      timezone: 'UTC',
      lastRefreshedAt: NOW - 160 * 60_000,
    });
    const [missed] = detectSlaBreaches([live], [], NOW).signals;
    const stale = { ...incident(), slaDeadline: missed?.metrics.deadline ?? null };
    const view = incidentCardView(stale, { nowMs: NOW, rootSignal: missed });
    expect(view.slaMaxAgeMinutes).toBe(120);
    expect(view.rootCause.evidence.facts[0]).toBe(
      'Must be at most 2 h old; 2 h 40 min old now; last refresh 2026-01-01 01:20 UTC',
    );
    // A nearer deadline joined the incident: the countdown is that deadline's.
    expect(incidentCardView(incident(), { nowMs: NOW, rootSignal: missed }).slaMaxAgeMinutes).toBeNull();
  });

  it('builds a valid card with root cause evidence, blast radius, timeline and suggested fixes', () => {
    const view = incidentCardView(incident(), {
      nowMs: NOW,
      rootSignal: failedRunSignal('ws-prod'),
      timeline: [
        {
          incidentId: 'inc_abc123456',
          at: NOW,
          phase: 'DISCOVER',
          summary: 'Run failed',
          actor: 'system',
          data: {},
          dedupKey: null,
        },
      ],
    });
    expect(incidentCardViewSchema.safeParse(view).success).toBe(true);
    expect(view).toMatchObject({
      incidentId: 'inc_abc123456',
      version: 1,
      severity: 'P1',
      state: 'open',
      rootCause: {
        evidence: {
          failingJob: 'nightly_orders',
          failingTask: 'load_orders',
          errorExcerpt: expect.stringContaining('OutOfMemoryError'),
        },
      },
      blastRadius: { downstreamJobs: ['daily_revenue'], tables: ['main.sales.orders'], total: 7 },
      timeline: [{ atMs: NOW, phase: 'DISCOVER', text: 'Run failed' }],
    });
    // Out of memory: new settings first (the simulated responder presses the first), then the owner.
    expect(view.remediations.map((r) => r.id)).toEqual(['retry_with_params', 'notify_owner']);
    expect(view.remediations[0]).toMatchObject({ label: 'Retry with new settings', risk: 'medium' });
  });

  it('marks a classification the second opinion made as the model’s, the learned layer’s as learned, and the rules’ as theirs', () => {
    const signal = failedRunSignal('ws-prod');
    const byRules = incidentCardView(incident(), { nowMs: NOW, rootSignal: signal, timeline: [] });
    expect(byRules.classification).toMatchObject({ by: 'rules' });
    const byModel = incidentCardView(incident(), {
      nowMs: NOW,
      rootSignal: {
        ...signal,
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          rule: 'second_opinion',
        },
      },
      timeline: [],
    });
    expect(byModel.classification).toMatchObject({ category: 'config', by: 'model' });
    const byLearned = incidentCardView(incident(), {
      nowMs: NOW,
      rootSignal: {
        ...signal,
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          rule: 'learned:bundle.validation',
          confidence: 0.57,
        },
      },
      timeline: [],
    });
    expect(byLearned.classification).toMatchObject({ category: 'config', by: 'learned' });
  });

  it('shows what fixed the last incident like it, and offers that action first when it is a suggestion', () => {
    const retry = failedRunSignal('ws-prod');
    const transient = {
      ...retry,
      classification: {
        category: 'network' as const,
        transient: true,
        action: 'RETRY' as const,
        rule: 'network.reset',
      },
    };
    const fix = {
      incidentId: 'inc_before',
      workspaceId: 'ws-prod',
      fingerprint: 'fp',
      action: 'rerun',
      text: 'Rerun the job',
      recordedBy: 'Alice',
      recordedAt: NOW - 86_400_000,
    };
    const plain = incidentCardView(incident(), { nowMs: NOW, rootSignal: transient });
    expect(plain.lastFix).toBeNull();
    expect(plain.remediations.map((r) => r.id)).toEqual(['repair', 'rerun', 'set_retry_policy']);
    const view = incidentCardView(incident(), { nowMs: NOW, rootSignal: transient, lastFix: fix });
    expect(view.lastFix).toEqual({
      text: 'Rerun the job',
      by: 'Alice',
      atMs: NOW - 86_400_000,
      action: 'rerun',
    });
    expect(view.remediations.map((r) => r.id)).toEqual(['rerun', 'repair', 'set_retry_policy']);
    // A recorded fix the classification does not suggest is shown, and adds no button.
    const oom = incidentCardView(incident(), { nowMs: NOW, rootSignal: retry, lastFix: fix });
    expect(oom.lastFix?.text).toBe('Rerun the job');
    expect(oom.remediations.map((r) => r.id)).toEqual(['retry_with_params', 'notify_owner']);
    expect(incidentCardViewSchema.safeParse(view).success).toBe(true);
  });

  it('never turns a hostile URL into a link', () => {
    const view = incidentCardView(incident(), {
      nowMs: NOW,
      detailsUrl: 'javascript:alert(1)',
      workspaceUrl: 'data:text/html,x',
    });
    expect(view.detailsUrl).toBeNull();
    expect(view.workspace.url).toBeNull();
  });

  it('works without a root signal', () => {
    const view = incidentCardView(incident(), { nowMs: NOW });
    expect(view.rootCause.summary).toBe('Nightly orders ETL failing');
    expect(view.remediations).toEqual([]);
    expect(incidentCardViewSchema.safeParse(view).success).toBe(true);
  });
});

describe('incidentCardView names what broke and where it is', () => {
  const base = failedRunSignal('ws-prod');

  it('names a task’s job without repeating the task, and says when it started', () => {
    const view = incidentCardView(incident(), {
      nowMs: NOW,
      rootSignal: {
        ...base,
        subject: { type: 'task', id: '42/load_orders', name: 'nightly_orders / load_orders' },
        refs: { ...base.refs, taskKey: 'load_orders' },
        occurredAt: NOW - 600_000,
      },
    });
    expect(view.rootCause.evidence).toMatchObject({
      failingJob: 'nightly_orders',
      failingTask: 'load_orders',
    });
    expect(view.startedAtMs).toBe(NOW - 600_000);
  });

  it('calls a table a table, and links it, its writer job and the run in the workspace', () => {
    const view = incidentCardView(incident(), {
      nowMs: NOW,
      workspaceUrl: 'https://adb-123.4.azuredatabricks.net/',
      rootSignal: {
        ...base,
        kind: 'zero_rows',
        subject: { type: 'table', id: 'main.content.catalog', name: 'main.content.catalog' },
        refs: { jobId: '51', runId: '7', taskKey: 'merge_catalog' },
        error: undefined,
        evidence: [
          { label: '3 loads in a row wrote no rows' },
          { label: 'Run page', url: 'https://adb-123.4.azuredatabricks.net/#job/51/run/7' },
          { label: 'Error trace', excerpt: 'nothing to merge' },
        ],
      },
    });
    expect(view.rootCause.evidence).toMatchObject({
      failingJob: null,
      failingObject: { type: 'table', name: 'main.content.catalog' },
      facts: ['3 loads in a row wrote no rows'],
      links: [
        { label: 'Job', url: 'https://adb-123.4.azuredatabricks.net/?o=ws-prod#job/51' },
        {
          label: 'Table',
          url: 'https://adb-123.4.azuredatabricks.net/explore/data/main/content/catalog?o=ws-prod',
        },
      ],
    });
  });

  it('links a runaway statement and its warehouse, and makes no links without a workspace URL', () => {
    const runaway = {
      ...base,
      kind: 'runaway_query',
      subject: { type: 'query' as const, id: '01ef8a7c', name: 'query by mei@example.com' },
      refs: { warehouseId: 'w1', owner: 'mei@example.com' },
      error: undefined,
    };
    const view = incidentCardView(incident(), {
      nowMs: NOW,
      workspaceUrl: 'https://adb-123.4.azuredatabricks.net',
      rootSignal: runaway,
    });
    expect(view.rootCause.evidence.failingObject).toEqual({ type: 'query', name: '01ef8a7c' });
    expect(view.rootCause.evidence.links.map((l) => l.label)).toEqual(['Warehouse', 'Query']);
    expect(
      incidentCardView(incident(), { nowMs: NOW, workspaceUrl: null, rootSignal: runaway }).rootCause.evidence
        .links,
    ).toEqual([]);
  });
});
