import { describe, expect, it } from 'vitest';
import { detectPipelineFailures } from '../../../src/agents/detector/detect-pipeline-failures.js';
import { detectSlaBreaches } from '../../../src/agents/detector/detect-sla.js';
import {
  type PipelineUpdateObservation,
  pipelineUpdateObservationSchema,
  tableSlaSchema,
} from '../../../src/agents/detector/observations.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { triageFacts } from '../../../src/agents/correlator/triage-facts.js';
import { triageIncident } from '../../../src/agents/triage/triage-incident.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
// Tonight's update starts at 04:30; the table it feeds is due at 06:00.
const NIGHT = Date.parse('2026-11-23T04:30:00Z');
const WS = '1001';
const thresholds = defaultPolicy().thresholds;

/** Six earlier nights of quarter-hour updates, each reporting progress every minute. */
function pastNights(): PipelineUpdateObservation[] {
  return Array.from({ length: 6 }, (_, i) => {
    const start = NIGHT - (6 - i) * DAY;
    return update({
      updateId: `past-${i}`,
      state: 'COMPLETED',
      startTime: start,
      endTime: start + 15 * MIN,
      progress: {
        gaps: Array.from({ length: 12 }, (_, k) => ({
          updateId: `past-${i}`,
          at: start + (k + 2) * MIN,
          seconds: 60,
        })),
      },
    });
  });
}

function update(
  fields: Partial<PipelineUpdateObservation> & { updateId: string },
): PipelineUpdateObservation {
  return pipelineUpdateObservationSchema.parse({
    workspaceId: WS,
    pipelineId: 'p-1',
    pipelineName: 'clickstream',
    state: 'RUNNING',
    startTime: NIGHT,
    tablesWritten: ['main.finance.orders'],
    ...fields,
  });
}

const sla = tableSlaSchema.parse({
  workspaceId: WS,
  table: 'main.finance.daily_revenue',
  deadline: '06:00',
  timezone: 'UTC',
  upstreamPipelineIds: ['p-1'],
  lastRefreshedAt: NIGHT - DAY + 50 * MIN,
});

/** What both detectors say of tonight's update at `now`, once the past is recorded. */
function judge(tonight: PipelineUpdateObservation, now: number) {
  const past = detectPipelineFailures(pastNights(), NIGHT - MIN, { thresholds });
  const own = detectPipelineFailures([tonight], now, { thresholds, durations: past.durations });
  const atRisk = detectSlaBreaches([sla], [], now, {
    durations: own.durations,
    updates: [tonight],
    minHistoryRuns: thresholds.min_history_runs,
  });
  return [...own.signals, ...atRisk.signals];
}

describe('an update that is slow but keeps reporting progress', () => {
  it('raises nothing while it runs within its usual duration', () => {
    const now = NIGHT + 17 * MIN;
    const reporting = update({ updateId: 'tonight', progress: { quietSince: now - 40_000, gaps: [] } });
    expect(judge(reporting, now)).toEqual([]);
  });

  it('is told by its duration alone once past its usual one, never as a stall', () => {
    const now = NIGHT + 40 * MIN;
    const reporting = update({ updateId: 'tonight', progress: { quietSince: now - 50_000, gaps: [] } });
    const signals = judge(reporting, now);
    const atRisk = signals.find((s) => s.kind === 'sla_at_risk');
    expect(atRisk?.evidence[0]?.label).toMatch(/has been updating 40 min, past its usual 15 min/);
    expect(signals.map((s) => s.evidence.map((e) => e.label).join(' ')).join(' ')).not.toContain(
      'no flow progress',
    );
  });
});

describe('an update whose flows fall silent', () => {
  it('is a stall once four usual gaps have passed without a report, and not before', () => {
    const quiet = update({ updateId: 'tonight', progress: { quietSince: NIGHT + 3 * MIN, gaps: [] } });
    expect(judge(quiet, NIGHT + 5 * MIN)).toEqual([]);
    const signals = judge(quiet, NIGHT + 8 * MIN);
    expect(signals.map((s) => s.kind).sort()).toEqual(['duration_anomaly', 'sla_at_risk']);
    for (const s of signals)
      expect(s.evidence[0]?.label).toContain('no flow progress for 5 min (usually every 60 s)');
  });

  it('is judged by its duration alone when its event log could not be read', () => {
    const unread = update({ updateId: 'tonight', progress: { gaps: [] } });
    expect(judge(unread, NIGHT + 10 * MIN)).toEqual([]);
  });
});

describe('how triage tells a pipeline update with no deadline below it', () => {
  /** The update's own signal at `now`, triaged alone with the default policy. */
  function triaged(tonight: PipelineUpdateObservation, now: number) {
    const past = detectPipelineFailures(pastNights(), NIGHT - MIN, { thresholds });
    const signals = detectPipelineFailures([tonight], now, { thresholds, durations: past.durations }).signals;
    const facts = triageFacts(summariseIncident(signals, new DependencyGraph()), signals, now, {
      repeated: false,
    });
    return triageIncident(facts, defaultPolicy().triage);
  }

  it('tells someone (P3) of a stalled update, which only a restart clears, and says it is stalled', () => {
    const quiet = update({ updateId: 'tonight', progress: { quietSince: NIGHT + 3 * MIN, gaps: [] } });
    const d = triaged(quiet, NIGHT + 8 * MIN);
    expect(d.severity).toBe('P3');
    expect(d.reason).toContain('stalled');
  });

  it('leaves a slow update that still reports progress at P4', () => {
    const now = NIGHT + 40 * MIN;
    const reporting = update({ updateId: 'tonight', progress: { quietSince: now - 50_000, gaps: [] } });
    expect(triaged(reporting, now).severity).toBe('P4');
  });
});
