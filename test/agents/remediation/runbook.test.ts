import { describe, expect, it } from 'vitest';
import { planRemediation } from '../../../src/agents/remediation/plan-remediation.js';
import { renderRunbook } from '../../../src/agents/remediation/runbook.js';
import type { Job } from '../../../src/databricks/rest/jobs-api.js';

const context = {
  incidentId: 'inc_1',
  host: 'https://adb-1.azuredatabricks.net',
  escalateTo: '@oncall',
  maxAttempts: 3,
};

describe('renderRunbook', () => {
  it('gives the exact calls as databricks CLI and curl commands, with the token left in the environment', () => {
    const plan = planRemediation('repair', { runId: 42, latestRepairId: 7 });
    if (!plan.ok) throw new Error(plan.userMessage);
    const text = renderRunbook(plan.value, context);
    expect(text).toContain(
      `databricks api post '/api/2.2/jobs/runs/repair' --json '{"run_id":42,"rerun_all_failed_tasks":true,"latest_repair_id":7}'`,
    );
    expect(text).toContain('curl -sS -X POST "https://adb-1.azuredatabricks.net/api/2.2/jobs/runs/repair"');
    expect(text).toContain('Authorization: Bearer $DATABRICKS_TOKEN');
    expect(text).toContain("databricks api get '/api/2.2/jobs/runs/get?run_id=42&include_history=true'");
    expect(text).toMatch(/How to roll back: Cancel the repaired run/);
    expect(text).toMatch(/When to escalate: .*after 3 attempts.*@oncall/);
  });

  it('restarts a stuck pipeline update with the pipelines CLI, waiting for the stop, never a full refresh, and with no token', () => {
    const plan = planRemediation('restart_pipeline_update', {
      pipelineId: 'p-1',
      pipeline: {
        pipeline_id: 'p-1',
        name: 'reserves_dlt',
        state: 'RUNNING',
        latest_updates: [{ update_id: 'u-1', state: 'RUNNING' }],
      },
      stuckUpdate: { updateId: 'u-1', cause: 'API_CALL' },
    });
    if (!plan.ok) throw new Error(plan.userMessage);
    const lines = renderRunbook(plan.value, context).split('\n');
    const stop = lines.indexOf("databricks pipelines stop 'p-1'");
    const start = lines.indexOf("databricks pipelines start-update 'p-1' --full-refresh=false");
    expect(stop).toBeGreaterThan(-1);
    expect(lines[stop + 1]).toMatch(/^# wait until the stopped update reads CANCELED/);
    expect(start).toBe(stop + 2);
    const text = lines.join('\n');
    expect(text).toContain(
      'curl -sS -X POST "https://adb-1.azuredatabricks.net/api/2.0/pipelines/p-1/updates"',
    );
    expect(text).toContain(`-d '{"full_refresh":false}'`);
    expect(text).toContain('Authorization: Bearer $DATABRICKS_TOKEN');
    expect(text).toContain("databricks api get '/api/2.0/pipelines/p-1'");
    expect(text).toContain('never send it twice');
  });

  it('turns auto-stop on by hand with the same edit, validates it by reading the warehouse, and rolls back to the old value', () => {
    const plan = planRemediation('set_auto_stop', {
      warehouseId: 'wh-1',
      warehouse: { id: 'wh-1', name: 'adhoc', cluster_size: 'Large', auto_stop_mins: 0 },
    });
    if (!plan.ok) throw new Error(plan.userMessage);
    const text = renderRunbook(plan.value, context);
    expect(text).toContain(
      `databricks api post '/api/2.0/sql/warehouses/wh-1/edit' --json '{"name":"adhoc","cluster_size":"Large","auto_stop_mins":10}'`,
    );
    expect(text).toContain("databricks api get '/api/2.0/sql/warehouses/wh-1'");
    expect(text).toContain('auto_stop_mins the new value');
    expect(text).toContain(
      `How to roll back: Edit it back to auto_stop_mins 0 (never stops by itself).\ndatabricks api post '/api/2.0/sql/warehouses/wh-1/edit' --json '{"name":"adhoc","cluster_size":"Large","auto_stop_mins":0}'`,
    );
  });

  it('quotes hostile settings so a pasted command cannot break out of its JSON', () => {
    const job = {
      job_id: 1,
      settings: {
        name: "x'; rm -rf / #",
        tasks: [{ task_key: "t'$(reboot)", timeout_seconds: 60 }],
      },
    } as Job;
    const plan = planRemediation('set_retry_policy', { jobId: 1, taskKey: "t'$(reboot)", job });
    if (!plan.ok) throw new Error(plan.userMessage);
    const text = renderRunbook(plan.value, context);
    const cli = text.split('\n').find((l) => l.startsWith('databricks api post')) ?? '';
    // The only single quotes are the escaped ones: '\'' closes, escapes and reopens.
    expect(cli).toContain(`t'\\''$(reboot)`);
    expect(cli.replaceAll(`'\\''`, '').split("'")).toHaveLength(5);
  });

  it('says a destructive action is never to be sent twice, and rollback calls carry the saved settings', () => {
    const restart = planRemediation('restart_cluster', { clusterId: 'c-1' });
    if (!restart.ok) throw new Error(restart.userMessage);
    expect(renderRunbook(restart.value, context)).toContain('never send it twice');
    const pause = planRemediation('pause_schedule', {
      jobId: 1,
      job: {
        job_id: 1,
        settings: { schedule: { quartz_cron_expression: '0 0 1 * * ?', timezone_id: 'UTC' } },
      },
    });
    if (!pause.ok) throw new Error(pause.userMessage);
    expect(renderRunbook(pause.value, context)).toContain(`"pause_status":"UNPAUSED"`);
  });
});
