import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import type { RetryPolicy } from '../../src/databricks/rest/retry-policy.js';
import { ManualClock } from '../../src/domain/clock.js';
import { reportRetryWait } from '../../src/jobs/degraded-sources.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { scenarioWith } from '../sim/fixtures.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Twice the workspace answers every REST call with 429 and a Retry-After for a minute and a half. */
const THROTTLES = [START + 3 * HOUR, START + 4 * HOUR] as const;
const THROTTLE_MS = 90_000;

const scenario = scenarioWith((s) => {
  s.faults = THROTTLES.map((from, i) => ({
    id: `api-throttle-${i}`,
    kind: 'throttle' as const,
    target: {},
    start: new Date(from).toISOString(),
    end: new Date(from + THROTTLE_MS).toISOString(),
    expected: { category: 'capacity', severity: 'P4', action: 'RETRY' } as const,
  }));
});

let embedded: EmbeddedWorkspace;
let store: Store;

beforeAll(async () => {
  embedded = await startEmbeddedWorkspace({ scenario: { scenario }, seed: 3, speed: 0 });
  store = await openStore({ dataDir: 'memory://' });
}, 60_000);
afterAll(async () => {
  await store?.close();
  await embedded?.close();
});

/**
 * The bot's monitoring over the embedded workspace, with its REST client reporting retry waits as
 * `dbxops start` does. A wait does not pass in real time: it moves the workspace's clock and the wall
 * clock, and first lets the test look at the metrics, as a scrape during the wait would.
 */
async function monitoring(retry: Partial<RetryPolicy>, duringWait: (app: BotApp) => Promise<void>) {
  const wallClock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
  let app: BotApp | undefined;
  const client = createDatabricksClient({
    host: embedded.url,
    auth: patAuth(embedded.token),
    clock: embedded.workspace.clock,
    retry,
    random: () => 0.5,
    onRetry: reportRetryWait,
    sleep: async (ms) => {
      if (app) await duringWait(app);
      wallClock.advance(ms);
      embedded.workspace.advanceTo(embedded.workspace.now() + ms);
      await embedded.workspace.flush();
    },
  });
  app = await createBotApp({
    env: loadEnv({ LOG_LEVEL: 'silent' }),
    policy: defaultPolicy(),
    clock: embedded.workspace.clock,
    wallClock,
    logger: createLogger({ level: 'silent' }),
    databricks: { client, warehouse: embedded.warehouse, workspaceId: embedded.workspace.workspaceId },
    store,
    queue: { kind: 'inline' },
    webhookCredentials: null,
  });
  return app;
}

/** The value a Prometheus scrape reads for one series, or undefined when it is absent. */
async function scraped(app: BotApp, metric: string, source: string): Promise<number | undefined> {
  const text = await app.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(`source="${source}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function advanceTo(ms: number) {
  embedded.workspace.advanceTo(ms);
  await embedded.workspace.flush();
}

describe('dbxops_monitoring_degraded', () => {
  it('is 1 while a webhook waits out the workspace Retry-After, and 0 once the run is read', async () => {
    await advanceTo(THROTTLES[0] - 10 * MIN);
    const seen: (number | undefined)[] = [];
    const app = await monitoring({ maxAttempts: 5 }, async (a) => {
      seen.push(await scraped(a, 'dbxops_monitoring_degraded', 'webhook'));
    });
    const [run] = await runsOfTheWorkspace();
    expect(run).toBeDefined();
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'webhook')).toBe(0);

    await advanceTo(THROTTLES[0] + 1_000);
    await app.dispatcher.dispatch('webhook', {
      notification: {
        eventType: 'jobs.on_success',
        workspaceId: embedded.workspace.workspaceId,
        jobId: String(run!.jobId),
        jobName: null,
        jobRunId: String(run!.runId),
        taskRunId: null,
        taskKey: null,
        dedupKey: `webhook:test:${run!.runId}`,
      },
      receivedAt: 0,
    });
    await app.drain!();

    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(app.failures()).toEqual([]);
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'webhook')).toBe(0);
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'runs')).toBe(0);
    await app.close();
  });

  it('stays 1 after a poll the workspace turned away, until a poll of that source succeeds', async () => {
    const app = await monitoring({ maxAttempts: 1 }, async () => {});
    await advanceTo(THROTTLES[1] - MIN);
    await app.dispatcher.dispatch('poll', { source: 'topology' });
    await app.drain!();
    await advanceTo(THROTTLES[1] + 1_000);
    await app.dispatcher.dispatch('poll', { source: 'runs' });
    await app.drain!();
    expect(app.failures()).toEqual(['poll: runs is RATE_LIMITED']);
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'runs')).toBe(1);
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'system_tables')).toBe(0);
    // Scraped again later, nothing having polled: still degraded.
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'runs')).toBe(1);

    await advanceTo(THROTTLES[1] + THROTTLE_MS + MIN);
    await app.dispatcher.dispatch('poll', { source: 'runs' });
    await app.drain!();
    expect(await scraped(app, 'dbxops_monitoring_degraded', 'runs')).toBe(0);
    await app.close();
  });
});

describe('dbxops_source_lag_seconds', () => {
  it('shows how far each source is behind the workspace, growing while its polls stop', async () => {
    const from = THROTTLES[1] + THROTTLE_MS + 5 * MIN;
    await advanceTo(from);
    const app = await monitoring({ maxAttempts: 1 }, async () => {});
    await app.dispatcher.dispatch('poll', { source: 'system_tables' });
    await app.drain!();
    expect(app.failures()).toEqual([]);
    expect(await scraped(app, 'dbxops_source_lag_seconds', 'billing')).toBe(0);
    expect(await scraped(app, 'dbxops_source_lag_seconds', 'runs_active')).toBeUndefined();

    await advanceTo(from + 10 * MIN);
    expect(await scraped(app, 'dbxops_source_lag_seconds', 'billing')).toBe(600);
    expect(await scraped(app, 'dbxops_source_lag_seconds', 'query_history')).toBe(600);

    await app.dispatcher.dispatch('poll', { source: 'system_tables' });
    await app.drain!();
    expect(await scraped(app, 'dbxops_source_lag_seconds', 'billing')).toBe(0);
    await app.close();
  });
});

/** Runs the workspace finished so far, from its Jobs API. */
async function runsOfTheWorkspace(): Promise<{ runId: number; jobId: number }[]> {
  const client = createDatabricksClient({
    host: embedded.url,
    auth: patAuth(embedded.token),
    clock: embedded.workspace.clock,
  });
  const out: { runId: number; jobId: number }[] = [];
  for await (const run of client.jobs.listRuns({ completed_only: true, limit: 25 }))
    out.push({ runId: run.run_id, jobId: run.job_id ?? 0 });
  return out;
}
