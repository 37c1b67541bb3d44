import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import { fingerprint } from '../../src/domain/fingerprint.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Signal } from '../../src/domain/signal.js';
import { type DemoPolled, pollDemo } from '../support/demo-polls.js';

let polled: DemoPolled;
let app: BotApp;

/**
 * The demo workspace's first night through the production monitoring loop (polls only, as `dbxops
 * eval` replays it): the orders extract times out and daily_revenue misses 06:00, a Large warehouse is
 * left running idle with auto-stop off from +1 h, and the hourly payments reconcile collides with a
 * backfill from +2 h — all on the same finance tables and shared compute.
 */
beforeAll(async () => {
  // From midnight until 07:00.
  polled = await pollDemo({ fromHours: 0, toHours: 7 });
  ({ app } = polled);
}, 600_000);
afterAll(async () => {
  await polled?.close();
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
