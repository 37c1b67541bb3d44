import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import { fingerprint } from '../../src/domain/fingerprint.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Signal } from '../../src/domain/signal.js';
import { POLL_EVERY_MS } from '../../src/jobs/monitoring.js';
import { openStore, type Store } from '../../src/store/open-store.js';

const HOUR = 3_600_000;

let embedded: EmbeddedWorkspace;
let store: Store;
let app: BotApp;

/**
 * The demo workspace's first night through the production monitoring loop (polls only, as `dbxops
 * eval` replays it): the orders extract times out and daily_revenue misses 06:00, a Large warehouse is
 * left running idle with auto-stop off from +1 h, and the hourly payments reconcile collides with a
 * backfill from +2 h — all on the same finance tables and shared compute.
 */
beforeAll(async () => {
  embedded = await startEmbeddedWorkspace({ scenario: { file: 'scenarios/demo.yaml' }, seed: 42, speed: 0 });
  store = await openStore({ dataDir: 'memory://' });
  const ws = embedded.workspace;
  app = await createBotApp({
    env: loadEnv({ LOG_LEVEL: 'silent' }),
    policy: defaultPolicy(),
    clock: ws.clock,
    logger: createLogger({ level: 'silent' }),
    databricks: {
      client: createDatabricksClient({
        host: embedded.url,
        auth: patAuth(embedded.token),
        clock: ws.clock,
        sleep: async () => {},
        retry: { maxAttempts: 2 },
      }),
      warehouse: embedded.warehouse,
      workspaceId: ws.workspaceId,
    },
    store,
    queue: { kind: 'inline' },
    webhookCredentials: null,
  });
  // From midnight until 07:00, polling as the embedded mode does.
  const due = { runs: 0, system_tables: 0, topology: 0 };
  for (let t = ws.startMs; t <= ws.startMs + 7 * HOUR; t += 60_000) {
    ws.advanceTo(t);
    for (const source of ['topology', 'runs', 'system_tables'] as const) {
      if (t < due[source]) continue;
      await ws.flush();
      await app.dispatcher.dispatch('poll', { source });
      due[source] = t + POLL_EVERY_MS.embedded[source];
    }
    await app.drain!();
  }
}, 600_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
  await embedded?.close();
});

const CONSEQUENCES = new Set(['run_skipped', 'row_count_drop', 'zero_rows', 'sla_at_risk', 'sla_missed']);

async function incidents(): Promise<{ incident: Incident; signals: Signal[] }[]> {
  const out: { incident: Incident; signals: Signal[] }[] = [];
  for (const incident of await app.repos.incidents.listOpen({ limit: 1_000 }))
    out.push({ incident, signals: await app.repos.incidents.listSignals(incident.id) });
  return out;
}

describe('correlation over the demo workspace’s first night', () => {
  it('puts the skipped transform and load in the incident of the extract that timed out', async () => {
    const skipped = (await incidents()).filter(({ signals }) =>
      signals.some((s) => s.kind === 'run_skipped'),
    );
    expect(skipped).toHaveLength(1);
    const [{ incident, signals }] = skipped as [{ incident: Incident; signals: Signal[] }];
    expect(signals.find((s) => s.id === incident.rootCauseSignalId)?.kind).toBe('run_timed_out');
    expect(incident.severity).toBe('P1');
  });

  it('keeps the idle warehouse in an incident of its own, though it serves the same tables', async () => {
    const idle = (await incidents()).filter(({ signals }) =>
      signals.some((s) => s.kind === 'warehouse_idle_no_autostop'),
    );
    expect(idle).toHaveLength(1);
    expect(new Set(idle[0]!.signals.map((s) => s.kind))).toEqual(new Set(['warehouse_idle_no_autostop']));
    // Told (P3: an hour of a Large warehouse for nothing), not paged.
    expect(idle[0]!.incident.severity).toBe('P3');
  });

  it('raises SLA at risk only with evidence, and names it', async () => {
    for (const { signals } of await incidents())
      for (const s of signals.filter((x) => x.kind === 'sla_at_risk'))
        expect(s.evidence[0]?.label).toMatch(/^Upstream .+ (failed|timed out|was skipped|has been running)/);
  });

  it('lets no other cause join an incident after its cause went quiet for longer than the window', async () => {
    for (const { incident, signals } of await incidents()) {
      const root = signals.find((s) => s.id === incident.rootCauseSignalId)!;
      const causes = signals.filter((s) => !CONSEQUENCES.has(s.kind));
      // The same failure again joins its open incident (one incident per fingerprint); a permission
      // failure joins the revocation that explains it for days. Any other cause came within the window.
      for (const s of causes) {
        if (fingerprint(s) === fingerprint(root) || s.classification?.category === 'permission') continue;
        const near = causes.some(
          (c) => c.id !== s.id && Math.abs(c.occurredAt - s.occurredAt) <= 30 * 60_000,
        );
        expect(near, `${s.kind} on ${s.subject.id} in "${incident.title}"`).toBe(true);
      }
    }
  });
});
