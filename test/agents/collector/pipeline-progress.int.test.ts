import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { patAuth } from '../../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import { type FetchLike, undiciFetch } from '../../../src/databricks/rest/undici-fetch.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/** An hourly pipeline of 20-minute updates whose 05:00 update hangs without an error until 05:45. */
const scenario = scenarioWith((s) => {
  s.duration_hours = 6;
  s.history = { days: 1 };
  s.jobs = [];
  s.pipelines = [
    {
      name: 'clickstream',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
      reads: ['main.finance.raw_orders'],
      writes: ['main.finance.orders'],
      duration: { mean_minutes: 20, jitter: 0.1 },
    },
  ];
  s.faults = [
    {
      id: 'stuck',
      kind: 'pipeline_hang',
      target: { pipeline: 'clickstream' },
      start: '+4.8h',
      end: '+5.75h',
      expected: { category: 'timeout', severity: 'P3', action: 'RETRY' },
    },
  ];
});

/** What the event-log endpoint does to its answers, by the test's choice. */
type Spoil = 'none' | 'malformed' | 'oversized' | 'repeat';

let h: Harness;
let spoil: Spoil = 'none';
let eventReads = 0;

/** The simulator's answers, spoiled at the edge (the HTTP response) as a misbehaving workspace would. */
const edge: FetchLike = async (url, init) => {
  const res = await undiciFetch(url, init);
  if (!/\/api\/2\.0\/pipelines\/[^/]+\/events/.test(url)) return res;
  eventReads += 1;
  const body = await res.text();
  const answer = (text: string, headers: Record<string, string> = {}) => ({
    ok: true,
    status: 200,
    statusText: 'OK',
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    body: null,
    text: async () => text,
  });
  if (spoil === 'malformed') return answer('{"events": [{"timestamp": 17, "event_type": "flow_progress"}]}');
  if (spoil === 'oversized') return answer(body, { 'content-length': String(1024 ** 3) });
  if (spoil === 'repeat') {
    // Every event twice on the page, and a second page that repeats the first.
    const page = JSON.parse(body) as { events?: unknown[]; next_page_token?: string };
    const events = [...(page.events ?? []), ...(page.events ?? [])];
    return answer(JSON.stringify({ events }));
  }
  return answer(body);
};

function collector() {
  const client = createDatabricksClient({
    host: h.url,
    auth: patAuth(h.token),
    clock: h.workspace.clock,
    retry: { maxAttempts: 1 },
    sleep: async () => {},
    random: () => 0.5,
    fetch: edge,
  });
  const deps = { ...h.deps, client };
  const cache = createCollectorCache();
  return async (at: number) => {
    await h.advanceTo(at);
    const out = await pollSystemTables(deps, cache, { sources: ['pipelines'] });
    return { inFlight: out.pipelineUpdates.filter((u) => u.endTime === undefined), rejected: out.rejected };
  };
}

beforeAll(async () => {
  h = await startHarness(scenario);
});
afterAll(async () => {
  await h.close();
});

describe("the collector reading a pipeline's event log for its updates in flight", () => {
  it('learns the cadence of progress reports from the recent updates on its first read', async () => {
    spoil = 'none';
    const poll = collector();
    const { inFlight } = await poll(START + 10 * MIN);
    expect(inFlight).toHaveLength(1);
    const gaps = inFlight[0]?.progress?.gaps ?? [];
    // The updates of the day before report every 45 to 90 seconds.
    expect(gaps.length).toBeGreaterThan(20);
    for (const g of gaps) expect(g.seconds).toBeLessThanOrEqual(90);
    expect(inFlight[0]?.progress?.quietSince).toBeGreaterThan(START + 10 * MIN - 2 * MIN);
  });

  it('reads on from where it stopped, each event once, and only while an update is in flight', async () => {
    spoil = 'none';
    const poll = collector();
    await poll(START + HOUR + 10 * MIN);
    const first = eventReads;
    const { inFlight } = await poll(START + HOUR + 15 * MIN);
    expect(eventReads - first).toBe(1);
    // Five minutes of reports, not the log again: a handful of gaps, none counted twice.
    const gaps = inFlight[0]?.progress?.gaps ?? [];
    expect(gaps.length).toBeGreaterThan(2);
    expect(gaps.length).toBeLessThan(8);
    expect(new Set(gaps.map((g) => g.at)).size).toBe(gaps.length);
    const idle = eventReads;
    expect((await poll(START + HOUR + 45 * MIN)).inFlight).toHaveLength(0);
    expect(eventReads).toBe(idle);
  });

  it.each([
    ['malformed', 2, 'does not have the expected shape'],
    ['oversized', 3, 'bytes, more than the'],
  ] as const)(
    'reports a %s page clearly, and reads what it held once the log answers again',
    async (kind, hour, words) => {
      spoil = 'none';
      const poll = collector();
      const at = START + hour * HOUR;
      await poll(at + 5 * MIN);
      spoil = kind;
      const spoiled = await poll(at + 12 * MIN);
      expect(spoiled.rejected.map((r) => r.reason).join('\n')).toContain(words);
      expect(spoiled.rejected[0]?.reason).toContain('judged by its duration');
      // Without a readable log, nothing is said of how long the flows have been quiet.
      expect(spoiled.inFlight[0]?.progress?.quietSince).toBeUndefined();
      spoil = 'none';
      const { inFlight, rejected } = await poll(at + 14 * MIN);
      expect(rejected).toEqual([]);
      // The reports of the minutes the spoiled read missed are read now, not skipped.
      const gaps = inFlight[0]?.progress?.gaps ?? [];
      expect(gaps.length).toBeGreaterThan(4);
      expect(Math.min(...gaps.map((g) => g.at))).toBeLessThan(at + 8 * MIN);
      expect(inFlight[0]?.progress?.quietSince).toBeGreaterThan(at + 14 * MIN - 2 * MIN);
    },
  );

  it('counts an event that a page repeats only once', async () => {
    spoil = 'none';
    const poll = collector();
    await poll(START + 4 * HOUR + 5 * MIN);
    spoil = 'repeat';
    const repeated = (await poll(START + 4 * HOUR + 12 * MIN)).inFlight[0]?.progress?.gaps ?? [];
    expect(repeated.length).toBeGreaterThan(2);
    expect(new Set(repeated.map((g) => g.at)).size).toBe(repeated.length);
    // A repeat is no gap: every gap is a real wait between two reports.
    for (const g of repeated) expect(g.seconds).toBeGreaterThanOrEqual(45);
  });
  it('sees the flows of a hung update fall silent while the update stays RUNNING', async () => {
    spoil = 'none';
    const poll = collector();
    await poll(START + 5 * HOUR + 5 * MIN);
    const { inFlight } = await poll(START + 5 * HOUR + 30 * MIN);
    expect(inFlight[0]?.state).toBe('RUNNING');
    // Quiet since it began to run, a few minutes after 05:00: no flow has reported since.
    const quietSince = inFlight[0]?.progress?.quietSince ?? 0;
    expect(quietSince).toBeLessThan(START + 5 * HOUR + 6 * MIN);
    expect(inFlight[0]?.progress?.gaps).toEqual([]);
  });
});
