import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Signal } from '../../src/domain/signal.js';
import type { IncidentRepository } from '../../src/store/incident-repository.js';
import { openStore } from '../../src/store/open-store.js';
import { type DemoPolled, pollScenario } from '../support/demo-polls.js';
import { embeddedBotApp, embeddedDatabricks } from '../support/embedded-databricks.js';

const HOUR = 3_600_000;
const INSURANCE = { file: 'scenarios/insurance.yaml', seed: 5 };

/** The open incident whose root cause is the erasure's failed task. */
async function erasureIncident(incidents: IncidentRepository): Promise<{ incident: Incident; root: Signal }> {
  for (const incident of await incidents.listOpen({ limit: 1_000 })) {
    const root = (await incidents.listSignals(incident.id)).find((s) => s.id === incident.rootCauseSignalId);
    if (root?.kind === 'task_failed' && root.subject.name?.includes('gdpr_erasure_claims'))
      return { incident, root };
  }
  throw new Error('the erasure failure opened no incident');
}

/**
 * The insurer's first night through the production monitoring loop on its embedded store (PGlite, one
 * connection): at 01:00 the nightly build's payments task rewrites claim_payments; at 01:30 the GDPR
 * erasure, which deletes from the same table, fails on a concurrent append. The financial-critical
 * statutory report reads claim_payments for its 06:00 deadline.
 */
describe("a side writer's failure polled on the embedded store", () => {
  let polled: DemoPolled;
  beforeAll(async () => {
    polled = await pollScenario(INSURANCE, { fromHours: 0, toHours: 2.5 });
  }, 600_000);
  afterAll(async () => {
    await polled?.close();
  });

  it('is triaged without the statutory report’s criticality: the loader had refreshed the table', async () => {
    const { incident, root } = await erasureIncident(polled.app.repos.incidents);
    expect(root.refs.tablesWritten).toContain('main.claims.claim_payments');
    expect(incident.severity).toBe('P3');
    // The card still names what reads the table: the severity, not the blast radius, spares it.
    expect(incident.blastRadius.tables).toContain('main.regulatory.statutory_claims');
  });
});

// A run's failure correlated before any poll has judged (a webhook): the first read of the detector
// state is a query. Taken inside correlation's transaction, it waited on PGlite's one connection for
// that transaction, and the signal never finished: the test ran into its timeout.
describe("a side writer's failure announced by its webhook before any poll", () => {
  it('is triaged inside correlation’s transaction without waiting on the detector state, its readers counting', async () => {
    const embedded = await startEmbeddedWorkspace({
      scenario: { file: INSURANCE.file },
      seed: INSURANCE.seed,
      speed: 0,
    });
    const store = await openStore({ dataDir: 'memory://' });
    const app = await embeddedBotApp(embedded, store);
    try {
      embedded.workspace.advanceTo(embedded.workspace.startMs + 2 * HOUR);
      await embedded.workspace.flush();
      const { client } = embeddedDatabricks(embedded);
      let erasure: { runId: number; jobId: number } | undefined;
      for await (const run of client.jobs.listRuns({ completed_only: true, limit: 25 }))
        if (run.run_name === 'gdpr_erasure_claims' && run.state?.result_state === 'FAILED')
          erasure ??= { runId: run.run_id, jobId: run.job_id ?? 0 };
      expect(erasure).toBeDefined();
      await app.dispatcher.dispatch('webhook', {
        notification: {
          eventType: 'jobs.on_failure',
          workspaceId: embedded.workspace.workspaceId,
          jobId: String(erasure!.jobId),
          jobName: null,
          jobRunId: String(erasure!.runId),
          taskRunId: null,
          taskKey: null,
          dedupKey: `webhook:test:${erasure!.runId}`,
        },
        receivedAt: embedded.workspace.now(),
      });
      await app.drain?.();
      // No poll has read who last wrote claim_payments: nothing tells the erasure from its loader, so the
      // statutory report's criticality counts until the evidence is there.
      const { incident } = await erasureIncident(app.repos.incidents);
      expect(incident.severity).toBe('P1');
    } finally {
      await app.close();
      await store.close();
      await embedded.close();
    }
  }, 120_000);
});
