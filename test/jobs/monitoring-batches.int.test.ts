import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import type { JobNotification } from '../../src/agents/collector/job-webhook.js';
import type { Store } from '../../src/store/open-store.js';
import { type DialectCase, dialects } from '../store/dialects.js';

const HOUR = 3_600_000;

// On PostgreSQL a run's signals are correlated in the webhook job, side by side under the correlation
// lock; on PGlite they go through the signal queue in order. Both must give the same incidents.
describe.each(dialects())('on $name', (dialect: DialectCase) => {
  let embedded: EmbeddedWorkspace;
  let store: Store;
  let app: BotApp;
  const signals: { kind: string; outcome: string; incidentId: string | null }[] = [];
  const posted = new Map<string, number>();

  beforeAll(async () => {
    embedded = await startEmbeddedWorkspace({ scenario: { file: 'scenarios/demo.yaml' }, seed: 1, speed: 0 });
    // The demo's first night: the orders extract times out, its transform and load are skipped.
    embedded.workspace.advanceTo(embedded.workspace.startMs + 8 * HOUR);
    await embedded.workspace.flush();
    store = await dialect.open();
    app = await createBotApp({
      env: loadEnv({ LOG_LEVEL: 'silent' }),
      policy: defaultPolicy(),
      clock: embedded.workspace.clock,
      logger: createLogger({ level: 'silent' }),
      databricks: {
        client: createDatabricksClient({
          host: embedded.url,
          auth: patAuth(embedded.token),
          clock: embedded.workspace.clock,
        }),
        warehouse: embedded.warehouse,
        workspaceId: embedded.workspace.workspaceId,
      },
      store,
      queue: { kind: 'inline' },
      webhookCredentials: null,
      onSignal: (signal, outcome, incidentId) =>
        void signals.push({ kind: signal.kind, outcome, incidentId }),
      onPosted: (incidentId, cards) => void posted.set(incidentId, (posted.get(incidentId) ?? 0) + cards),
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await embedded?.close();
    await dialect.stop();
  });

  /** A job notification for a run of the embedded workspace, as the webhook endpoint queues it. */
  function notification(runId: number | string, jobId: number | string): JobNotification {
    return {
      eventType: 'jobs.on_failure',
      workspaceId: embedded.workspace.workspaceId,
      jobId: String(jobId),
      jobName: null,
      jobRunId: String(runId),
      taskRunId: null,
      taskKey: null,
      dedupKey: `webhook:test:${runId}`,
    };
  }

  /** The workspace's finished runs that failed, timed out or were skipped, from its Jobs API. */
  async function failedRuns(): Promise<JobNotification[]> {
    const client = createDatabricksClient({
      host: embedded.url,
      auth: patAuth(embedded.token),
      clock: embedded.workspace.clock,
    });
    const out: JobNotification[] = [];
    for await (const run of client.jobs.listRuns({ completed_only: true, limit: 25 })) {
      const result = run.state?.result_state ?? '';
      const skipped = run.state?.life_cycle_state === 'SKIPPED';
      if (skipped || result === 'FAILED' || result === 'TIMEDOUT')
        out.push(notification(run.run_id, run.job_id ?? 0));
    }
    return out;
  }

  describe('the monitoring stages with batches', () => {
    it('observes a batch of runs together, gives a run that cannot be fetched its own failed job, and opens one incident per cause', async () => {
      const failed = await failedRuns();
      expect(failed.length).toBeGreaterThan(1);
      const batch = [...failed, notification(987654321, 1)];

      await app.dispatcher.dispatch('webhook', {
        notifications: batch,
        receivedAt: embedded.workspace.now(),
      });
      await app.drain?.();

      // The unknown run failed on its own, visibly; the others were observed.
      expect(app.failures()).toEqual([expect.stringMatching(/^webhook: Run 987654321/)]);
      expect(signals.length).toBeGreaterThan(0);
      expect(signals.filter((s) => s.outcome === 'rejected')).toEqual([]);

      // The cascade (a timeout and the runs it skipped) is one incident, its card posted once.
      const cascade = signals.filter((s) => s.kind === 'run_timed_out' || s.kind === 'run_skipped');
      expect(new Set(cascade.map((s) => s.incidentId)).size).toBe(1);
      for (const count of posted.values()) expect(count).toBe(1);
    });

    it('changes nothing when the same batch comes again', async () => {
      const before = (await app.repos.incidents.listOpen({ limit: 100 })).map((i) => [i.id, i.version]);
      const again = signals.length;
      await app.dispatcher.dispatch('webhook', {
        notifications: await failedRuns(),
        receivedAt: embedded.workspace.now(),
      });
      await app.drain?.();
      expect(signals.slice(again).every((s) => s.outcome === 'duplicate')).toBe(true);
      const after = (await app.repos.incidents.listOpen({ limit: 100 })).map((i) => [i.id, i.version]);
      expect(after).toEqual(before);
    });
  });
});
