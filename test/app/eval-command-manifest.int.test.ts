import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestTimes } from '../../src/app/eval-command.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { defaultPolicy } from '../../src/config/policy.js';

const HOUR = 3_600_000;
let embedded: EmbeddedWorkspace;

beforeAll(async () => {
  embedded = await startEmbeddedWorkspace({ scenario: { file: 'scenarios/demo.yaml' }, seed: 42, speed: 0 });
}, 300_000);
afterAll(async () => {
  await embedded?.close();
});

/** When the demo's clickstream pipeline error is observable, with the workspace's clock at `hours`. */
async function clickstreamErrorAt(hours: number) {
  const ws = embedded.workspace;
  ws.advanceTo(ws.startMs + hours * HOUR);
  await ws.flush();
  const fault = ws.faults().find((f) => f.id === 'clickstream-pipeline-error')!;
  const { manifestAt } = await manifestTimes(embedded.warehouse, [fault], defaultPolicy().thresholds);
  return { fault, manifestAt: manifestAt(fault), now: ws.now() };
}

describe('manifestTimes for a pipeline error', () => {
  it('is not observable while the update it hit still runs, and is from the moment that update failed', async () => {
    // The 30:10 update of clickstream_dlt is hit when it starts, and fails about ten minutes later.
    const running = await clickstreamErrorAt(30.25);
    expect(running.fault.first_affected_ms).toBeLessThan(running.now);
    expect(running.manifestAt).toBeGreaterThan(running.now);

    const failed = await clickstreamErrorAt(30.75);
    const row = await embedded.warehouse.query(
      `SELECT MIN(period_end_time) AS at FROM system.lakeflow.pipeline_update_timeline
       WHERE result_state = 'FAILED'`,
      { params: {} },
    );
    const failedAt = Date.parse(String(row.rows[0]?.at));
    expect(failedAt).toBeGreaterThan(failed.fault.first_affected_ms!);
    expect(failed.manifestAt).toBeGreaterThanOrEqual(failedAt);
    expect(failed.manifestAt).toBeLessThanOrEqual(failed.now);
  }, 300_000);
});
