import { describe, expect, it } from 'vitest';
import {
  embeddedWorkspaceStatus,
  realWorkspaceStatus,
  withMonitoringHealth,
} from '../../src/app/workspace-status.js';
import { ManualClock } from '../../src/domain/clock.js';
import { findFirstFailure } from '../../src/sim/engine/first-failure.js';
import { SimWorkspace } from '../../src/sim/engine/sim-workspace.js';
import { loadScenario } from '../../src/sim/scenario/load-scenario.js';

const HOUR = 3_600_000;

describe('embeddedWorkspaceStatus', () => {
  it('names the demo workspace and its simulated clock, and says the first incident comes next', async () => {
    const scenario = await loadScenario('scenarios/demo.yaml');
    const workspace = new SimWorkspace({ scenario, seed: 42 });
    const first = findFirstFailure(scenario, 42, 24 * HOUR);
    workspace.advanceTo(workspace.startMs + 1.5 * HOUR);
    const status = embeddedWorkspaceStatus(workspace, 60, first)();
    expect(status).toMatchObject({ mode: 'embedded', name: 'acme-prod', speed: 60, now: workspace.now() });
    expect(status.description).toContain('Acme Retail');
    expect(status.next).toEqual({
      at: first?.at,
      text: 'finance_orders_daily fails: the first incident card appears here',
    });
  });

  it("moves on to each scripted fault's note as the demo passes it", async () => {
    const scenario = await loadScenario('scenarios/demo.yaml');
    const workspace = new SimWorkspace({ scenario, seed: 42 });
    workspace.advanceTo(workspace.startMs + 2.5 * HOUR);
    const status = embeddedWorkspaceStatus(workspace, 60, undefined)();
    // The concurrent backfill on payments starts at +2h; the next window opens at +3.5h.
    expect(status.next?.at).toBe(workspace.startMs + 3.5 * HOUR);
    expect(status.next?.text).toBe('cloud capacity on mkt_attribution');
    workspace.advanceTo(workspace.startMs + 4.5 * HOUR);
    expect(embeddedWorkspaceStatus(workspace, 60, undefined)().next?.text).toContain('revoked SELECT');
  });
});

describe('realWorkspaceStatus', () => {
  it('names a real workspace by its host and tells its time, with nothing scripted', () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8, 0));
    expect(realWorkspaceStatus('https://dbc-1234.cloud.databricks.com', clock)()).toEqual({
      mode: 'workspace',
      name: 'dbc-1234.cloud.databricks.com',
      host: 'dbc-1234.cloud.databricks.com',
      now: clock.now(),
      speed: 1,
    });
  });
});

describe('withMonitoringHealth', () => {
  const base = realWorkspaceStatus('https://adb-1.azuredatabricks.net', { now: () => 0 });

  it('says on the console which source has stopped polling and why the workspace is not ready', async () => {
    const status = await withMonitoringHealth(base, async () => ({
      ok: false,
      failed: ['poll:runs', 'workspace'],
      checks: {
        redis: 'ok',
        'poll:runs': 'late: last poll 135 s ago (every 60 s)',
        workspace: 'refused: the runs poll 3 s ago: Invalid access token',
      },
    }))();
    expect(status.health).toEqual([
      'poll:runs: late: last poll 135 s ago (every 60 s)',
      'workspace: refused: the runs poll 3 s ago: Invalid access token',
    ]);
    expect(status.name).toBe('adb-1.azuredatabricks.net');
  });

  it('names a workspace that refuses us even while another keeps the process ready', async () => {
    const both = realWorkspaceStatus(
      ['https://adb-1.azuredatabricks.net', 'https://dbc-2.cloud.databricks.com'],
      {
        now: () => 0,
      },
    );
    const status = await withMonitoringHealth(both, async () => ({
      ok: true,
      failed: ['workspace:northlight-prod'],
      checks: { 'workspace:northlight-prod': 'refused: the runs poll 2 s ago: Invalid access token' },
    }))();
    expect(status.name).toBe('adb-1.azuredatabricks.net · dbc-2.cloud.databricks.com');
    expect(status.health).toEqual([
      'workspace:northlight-prod: refused: the runs poll 2 s ago: Invalid access token',
    ]);
  });

  it('adds nothing while all is well, or while readiness cannot be worked out', async () => {
    const well = await withMonitoringHealth(base, async () => ({ ok: true, failed: [], checks: {} }))();
    expect(well.health).toBeUndefined();
    const unknown = await withMonitoringHealth(base, () => Promise.reject(new Error('no store')))();
    expect(unknown).toEqual(base());
    expect((await withMonitoringHealth(base, () => undefined)()).health).toBeUndefined();
  });
});
