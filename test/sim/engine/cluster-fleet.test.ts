import { describe, expect, it } from 'vitest';
import { clusterJson, jobJson, runJson } from '../../../src/sim/engine/rest-views.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import { compileCanonicalCheck } from '../../../src/sim/tables/canonical-row-check.js';
import { columnsOf } from '../../../src/sim/tables/system-table-ddl.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T00:00:00Z');
const JOBS = ['orders_enrich', 'customers_enrich', 'returns_enrich'] as const;

type ClusterInput = NonNullable<ScenarioInput['clusters']>[number];

/**
 * Three nightly jobs share one all-purpose cluster, each running half an hour from 02:00; the cloud
 * reclaims the cluster's spot nodes at 02:15.
 */
function sharedCluster(cluster: Partial<ClusterInput> = {}, fault: Record<string, unknown> = {}) {
  return (s: ScenarioInput) => {
    s.clusters = [
      {
        name: 'shared-etl',
        team: 'finance',
        owner: 'alice@example.com',
        node_type: 'r5.xlarge',
        workers: 4,
        autotermination_minutes: 0,
        ...cluster,
      },
    ];
    s.jobs = JOBS.map((name) => ({
      name,
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' },
      tasks: [{ key: 'enrich', existing_cluster: 'shared-etl', duration: { mean_minutes: 30, jitter: 0 } }],
    }));
    s.faults = [
      {
        id: 'spot-reclaimed',
        kind: 'spot_loss',
        target: { cluster: 'shared-etl' },
        start: '+2.25h',
        end: '+3h',
        expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
        ...fault,
      },
    ];
  };
}

function workspace(change: (s: ScenarioInput) => void, seed = 7) {
  const sink = new MemorySink();
  const ws = new SimWorkspace({ scenario: scenarioWith(change), seed, sink });
  // Rows reach the sink as time moves: the start's own rows (catalogue, clusters) too.
  ws.advanceTo(START);
  return { ws, sink };
}

function outcomes(ws: SimWorkspace) {
  return ws.listRuns({}).map((run) => {
    const body = runJson(ws, run) as {
      end_time?: number;
      state: { result_state?: string; state_message: string };
      tasks: { cluster_instance?: { cluster_id: string } }[];
    };
    return {
      job: run.jobName,
      result: body.state.result_state,
      message: body.state.state_message,
      endTime: body.end_time ?? 0,
      clusterId: body.tasks[0]?.cluster_instance?.cluster_id,
    };
  });
}

function cluster(ws: SimWorkspace, name = 'shared-etl') {
  const c = ws.clusters.byName.get(name);
  if (!c) throw new Error(`no cluster ${name}`);
  return c;
}

describe('spot instances reclaimed on a shared all-purpose cluster', () => {
  it('fails every job running on the cluster within minutes, each in Spark’s executor-lost words', () => {
    const { ws } = workspace(sharedCluster());
    ws.advanceTo(START + 4 * HOUR);
    const runs = outcomes(ws);
    expect(runs.map((r) => r.job).sort()).toEqual([...JOBS].sort());
    const lostAt = START + 2.25 * HOUR;
    for (const r of runs) {
      expect(r.result).toBe('FAILED');
      expect(r.clusterId).toBe(cluster(ws).clusterId);
      expect(r.endTime).toBeGreaterThan(lostAt);
      expect(r.endTime).toBeLessThan(lostAt + 5 * MIN);
    }
    const [task] = ws.listRuns({}).flatMap((run) => run.tasks);
    expect(task?.failure?.error).toContain('ExecutorLostFailure');
    expect(task?.failure?.error).toContain('SPOT_INSTANCE_TERMINATION');
  });

  it('says NODES_LOST with the SPOT_INSTANCE_TERMINATION reason, then gets on-demand replacements', () => {
    const { ws } = workspace(sharedCluster());
    ws.advanceTo(START + 4 * HOUR);
    const events = cluster(ws).events.filter((e) => e.timestamp >= START + 2 * HOUR);
    const lost = events.find((e) => e.type === 'NODES_LOST');
    expect(lost?.details).toMatchObject({
      current_num_workers: 0,
      target_num_workers: 4,
      reason: {
        code: 'SPOT_INSTANCE_TERMINATION',
        type: 'CLOUD_FAILURE',
        parameters: { aws_instance_state_reason: 'Server.SpotInstanceTermination' },
      },
    });
    const back = events.find((e) => e.type === 'UPSIZE_COMPLETED');
    expect(back?.timestamp).toBe(START + 2.25 * HOUR + 4 * MIN);
    expect(cluster(ws).workers).toBe(4);
  });

  it('records the runs, tasks and cluster it hit as the fault’s ground truth', () => {
    const { ws } = workspace(sharedCluster());
    ws.advanceTo(START + 4 * HOUR);
    const [truth] = ws.faults();
    expect(truth?.affected_run_ids).toHaveLength(3);
    expect(truth?.affected_task_run_ids).toHaveLength(3);
    expect(truth?.affected_resource_ids).toEqual([cluster(ws).clusterId]);
  });

  it('loses nothing on an on-demand cluster, so its jobs succeed', () => {
    const { ws } = workspace(sharedCluster({ availability: 'ON_DEMAND' }));
    ws.advanceTo(START + 4 * HOUR);
    expect(outcomes(ws).map((r) => r.result)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(ws.faults()[0]?.affected_run_ids).toEqual([]);
    expect(cluster(ws).events.some((e) => e.type === 'NODES_LOST')).toBe(false);
  });

  it('loses nothing when first_on_demand covers the driver and every worker', () => {
    const { ws } = workspace(sharedCluster({ first_on_demand: 5 }));
    ws.advanceTo(START + 4 * HOUR);
    expect(outcomes(ws).map((r) => r.result)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('keeps the on-demand workers of first_on_demand and loses only the spot ones', () => {
    const { ws } = workspace(sharedCluster({ first_on_demand: 3 }));
    ws.advanceTo(START + 4 * HOUR);
    const lost = cluster(ws).events.find((e) => e.type === 'NODES_LOST');
    expect(lost?.details).toMatchObject({ current_num_workers: 2, target_num_workers: 4 });
    expect(outcomes(ws).every((r) => r.result === 'FAILED')).toBe(true);
  });

  it('takes the driver too when first_on_demand is 0: the jobs see the driver stop', () => {
    const { ws } = workspace(sharedCluster({ first_on_demand: 0 }));
    ws.advanceTo(START + 4 * HOUR);
    const [task] = ws.listRuns({}).flatMap((run) => run.tasks);
    expect(task?.failure?.error).toMatch(/^The spark driver has stopped unexpectedly and is restarting/);
    expect(cluster(ws).events.map((e) => e.type)).toContain('RESTARTING');
  });

  it('keeps plain spot nodes away until the window ends, failing jobs that start meanwhile', () => {
    const { ws } = workspace((s) => {
      sharedCluster({ availability: 'SPOT' }, { end: '+3.5h' })(s);
      s.jobs?.push({
        name: 'late_enrich',
        team: 'finance',
        owner: 'alice@example.com',
        schedule: { quartz_cron_expression: '0 0 3 * * ?', timezone_id: 'UTC' },
        tasks: [{ key: 'enrich', existing_cluster: 'shared-etl', duration: { mean_minutes: 10 } }],
      });
    });
    ws.advanceTo(START + 5 * HOUR);
    const late = outcomes(ws).find((r) => r.job === 'late_enrich');
    expect(late?.result).toBe('FAILED');
    expect(late?.message).toContain('SPOT_INSTANCE_TERMINATION');
    const back = cluster(ws).events.find((e) => e.type === 'UPSIZE_COMPLETED');
    expect(back?.timestamp).toBe(START + 3.5 * HOUR);
  });

  it('shows the lost nodes missing from compute.node_timeline until they are back', () => {
    const { ws, sink } = workspace((s) => {
      sharedCluster({ availability: 'SPOT' }, { end: '+3.5h' })(s);
      s.baseline = { node_timeline: 'all_purpose' };
    });
    ws.advanceTo(START + 5 * HOUR);
    const nodesAt = (at: number) =>
      sink
        .rows('compute.node_timeline')
        .filter((r) => r.cluster_id === cluster(ws).clusterId && r.start_time === at).length;
    expect(nodesAt(START + 1.5 * HOUR)).toBe(5);
    expect(nodesAt(START + 2.5 * HOUR)).toBe(1);
    expect(nodesAt(START + 4 * HOUR)).toBe(5);
  });

  it('uses the fault’s own message for the jobs it fails', () => {
    const message =
      'ExecutorLostFailure (executor 2 exited unrelated to the running tasks) Reason: Remote RPC client disassociated.';
    const { ws } = workspace(sharedCluster({}, { message }));
    ws.advanceTo(START + 4 * HOUR);
    expect(ws.listRuns({}).flatMap((r) => r.tasks.map((t) => t.failure?.error))).toEqual([
      message,
      message,
      message,
    ]);
  });

  it('is refused without a cluster or job to hit, and with both', () => {
    expect(() =>
      scenarioWith((s) => {
        sharedCluster()(s);
        s.faults![0]!.target = {};
      }),
    ).toThrow(/spot_loss fault needs target.job or target.cluster/);
    expect(() =>
      scenarioWith((s) => {
        sharedCluster()(s);
        s.faults![0]!.target = { cluster: 'shared-etl', job: 'orders_enrich' };
      }),
    ).toThrow(/spot_loss fault needs target.job or target.cluster/);
  });
});

describe('cluster availability in the REST views and system tables', () => {
  it('shows an all-purpose cluster’s availability and first_on_demand in clusters/get and compute.clusters', () => {
    const { ws, sink } = workspace(sharedCluster({ availability: 'SPOT', first_on_demand: 2 }));
    const body = clusterJson(cluster(ws), ws.clusters.cloud);
    expect(body.aws_attributes).toMatchObject({ availability: 'SPOT', first_on_demand: 2, zone_id: 'auto' });
    const row = sink.rows('compute.clusters').find((r) => r.cluster_name === 'shared-etl');
    expect(row?.aws_attributes).toEqual({ first_on_demand: 2, availability: 'SPOT', zone_id: 'auto' });
  });

  it('spells availability the Azure way on an Azure workspace', () => {
    const { ws, sink } = workspace((s) => {
      sharedCluster({ availability: 'SPOT_WITH_FALLBACK', node_type: 'Standard_DS3_v2' })(s);
      s.workspace.cloud = 'AZURE';
    });
    expect(clusterJson(cluster(ws), ws.clusters.cloud).azure_attributes).toMatchObject({
      availability: 'SPOT_WITH_FALLBACK_AZURE',
      first_on_demand: 1,
    });
    const row = sink.rows('compute.clusters').find((r) => r.cluster_name === 'shared-etl');
    expect(row).toMatchObject({
      aws_attributes: null,
      azure_attributes: { availability: 'SPOT_WITH_FALLBACK_AZURE' },
    });
  });

  it('writes compute.clusters rows the system table takes as they are, on every cloud', () => {
    const check = compileCanonicalCheck(columnsOf('compute.clusters'));
    for (const cloud of ['AWS', 'AZURE', 'GCP'] as const) {
      const { sink } = workspace((s) => {
        sharedCluster({ availability: 'SPOT', first_on_demand: 2 })(s);
        s.workspace.cloud = cloud;
      });
      const row = sink.rows('compute.clusters').find((r) => r.cluster_name === 'shared-etl');
      expect(check(row), cloud).toBe(true);
    }
  });

  it('leaves a cluster that sets neither key as it always was', () => {
    const { sink } = workspace(sharedCluster());
    const row = sink.rows('compute.clusters').find((r) => r.cluster_name === 'shared-etl');
    expect(row?.aws_attributes).toEqual({
      first_on_demand: 1,
      availability: 'SPOT_WITH_FALLBACK',
      zone_id: 'auto',
    });
    expect(row?.worker_count).toBe(4);
  });

  it('puts a job cluster’s autoscale range and availability in jobs/get and its compute.clusters row', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs![0]!.job_clusters = [
        {
          key: 'etl',
          node_type: 'i3.xlarge',
          autoscale: { min_workers: 2, max_workers: 8 },
          availability: 'ON_DEMAND',
        },
      ];
    });
    const job = ws.listJobs()[0]!;
    const settings = jobJson(job, 0).settings as { job_clusters: { new_cluster: Record<string, unknown> }[] };
    const spec = settings.job_clusters[0]!.new_cluster;
    expect(spec).toMatchObject({
      autoscale: { min_workers: 2, max_workers: 8 },
      aws_attributes: { availability: 'ON_DEMAND', first_on_demand: 1 },
    });
    expect(spec.num_workers).toBeUndefined();
    ws.advanceTo(START + HOUR);
    const row = sink.rows('compute.clusters').find((r) => r.cluster_source === 'JOB');
    expect(row).toMatchObject({
      worker_count: null,
      min_autoscale_workers: 2,
      max_autoscale_workers: 8,
      aws_attributes: { availability: 'ON_DEMAND' },
    });
  });

  it('scales an autoscaling all-purpose cluster to max_workers in working hours and back after', () => {
    const { ws } = workspace(
      sharedCluster({ autoscale: { min_workers: 1, max_workers: 6 }, autotermination_minutes: 0 }),
    );
    const c = cluster(ws);
    expect(clusterJson(c, ws.clusters.cloud).autoscale).toEqual({ min_workers: 1, max_workers: 6 });
    ws.advanceTo(START + 9 * HOUR);
    expect(c.workers).toBe(6);
    ws.advanceTo(START + 19 * HOUR);
    expect(c.workers).toBe(1);
    const resizes = c.events.filter((e) => e.type === 'RESIZING').map((e) => e.details);
    expect(resizes).toEqual([
      { current_num_workers: 1, target_num_workers: 6, cause: 'AUTOSCALE' },
      { current_num_workers: 6, target_num_workers: 1, cause: 'AUTOSCALE' },
    ]);
  });

  it('follows working hours in local time through a daylight-saving change, scaling at the half hour where the zone says', () => {
    const resizesIn = (hours: ClusterInput['business_hours'], start: string) => {
      const scenario = scenarioWith((s) => {
        sharedCluster({ autoscale: { min_workers: 1, max_workers: 6 }, business_hours: hours })(s);
        s.start = start;
        s.duration_hours = 48;
      });
      const ws = new SimWorkspace({ scenario, seed: 7, sink: new MemorySink() });
      ws.advanceTo(Date.parse(start) + 48 * HOUR);
      return cluster(ws)
        .events.filter((e) => e.type === 'RESIZING')
        .map((e) => [new Date(e.timestamp).toISOString().slice(5, 16), e.details.target_num_workers]);
    };
    // New York leaves summer time on Sunday 1 November 2026: 09:00 is 13:00 UTC on Saturday, 14:00 after.
    expect(
      resizesIn({ from: '09:00', to: '17:00', timezone: 'America/New_York' }, '2026-10-31T00:00:00Z'),
    ).toEqual([
      ['10-31T13:00', 6],
      ['10-31T21:00', 1],
      ['11-01T14:00', 6],
      ['11-01T22:00', 1],
    ]);
    // Kolkata is UTC+5:30 all year: 09:00 to 18:00 there is 03:30 to 12:30 UTC.
    expect(
      resizesIn({ from: '09:00', to: '18:00', timezone: 'Asia/Kolkata' }, '2026-11-20T00:00:00Z').slice(0, 2),
    ).toEqual([
      ['11-20T03:30', 6],
      ['11-20T12:30', 1],
    ]);
  });

  it('refuses an autoscale range whose minimum is above its maximum', () => {
    expect(() => scenarioWith(sharedCluster({ autoscale: { min_workers: 5, max_workers: 2 } }))).toThrow(
      /min_workers must not exceed max_workers/,
    );
  });
});

describe('the node-type catalogue', () => {
  it('lists GPU node types with their GPUs in compute.node_types, and bills them at their DBU rate', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs![0]!.job_clusters = [{ key: 'etl', node_type: 'g5.xlarge', workers: 1 }];
    });
    const gpus = sink.rows('compute.node_types').filter((r) => Number(r.gpu_count) > 0);
    expect(gpus.map((r) => r.node_type)).toEqual(
      expect.arrayContaining([
        'g4dn.xlarge',
        'g5.xlarge',
        'p4d.24xlarge',
        'Standard_NC6s_v3',
        'a2-highgpu-1g',
      ]),
    );
    expect(gpus.find((r) => r.node_type === 'p4d.24xlarge')?.gpu_count).toBe(8);
    ws.advanceTo(START + 2 * HOUR);
    const usage = sink
      .rows('billing.usage')
      .filter((r) => (r.usage_metadata as { node_type: string | null }).node_type === 'g5.xlarge');
    expect(usage.length).toBeGreaterThan(0);
    // (1 worker + driver) × 1.07 DBU/h: a 15-minute run bills about half a DBU.
    const dbus = usage.reduce((sum, r) => sum + Number(r.usage_quantity), 0);
    expect(dbus).toBeGreaterThan(0.1);
  });
});

describe('each fault kind in its own words', () => {
  const failing =
    (kind: string, extra: Record<string, unknown> = {}) =>
    (s: ScenarioInput) => {
      s.faults = [
        {
          id: kind,
          kind: kind as 'oom',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          occurrences: 1,
          expected: { category: 'resource', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
          ...extra,
        },
      ];
    };
  const firstError = (change: (s: ScenarioInput) => void) => {
    const { ws } = workspace(change);
    ws.advanceTo(START + HOUR);
    return ws
      .listRuns({})
      .flatMap((r) => r.tasks)
      .find((t) => t.failure)?.failure;
  };

  it('gives each failing kind a default text of its own', () => {
    const texts = ['oom', 'concurrency_conflict', 'spot_loss', 'task_error'].map(
      (kind) => firstError(failing(kind))?.error,
    );
    expect(new Set(texts).size).toBe(4);
    expect(texts[0]).toContain('OutOfMemoryError');
    expect(texts[1]).toContain('[DELTA_CONCURRENT_APPEND]');
  });

  it('lets a fault of any failing kind carry its own message, keeping how that kind ends the run', () => {
    const message =
      'org.apache.spark.memory.SparkOutOfMemoryError: Unable to acquire 65536 bytes of memory, got 0';
    const oom = firstError(failing('oom', { message }));
    expect(oom).toMatchObject({ error: message, code: 'DRIVER_ERROR', result: 'FAILED' });
    const capacity = firstError(
      failing('cloud_capacity', {
        target: { job: 'orders_etl' },
        message: 'Could not launch: no g5 capacity',
      }),
    );
    expect(capacity).toMatchObject({ error: 'Could not launch: no g5 capacity', code: 'CLUSTER_ERROR' });
  });

  it('words a cloud capacity shortage the way each cloud does', () => {
    const onCloud = (cloud: 'AWS' | 'AZURE' | 'GCP') =>
      firstError((s) => {
        s.workspace.cloud = cloud;
        failing('cloud_capacity', { target: { job: 'orders_etl' } })(s);
      })?.error;
    expect(onCloud('AWS')).toContain('AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE');
    expect(onCloud('AZURE')).toContain('AZURE_QUOTA_EXCEEDED_EXCEPTION');
    expect(onCloud('GCP')).toContain('ZONE_RESOURCE_POOL_EXHAUSTED');
  });

  it('gives a timeout fault its own message on the timed-out run', () => {
    const error = firstError((s) => {
      s.jobs![0]!.tasks[0]!.timeout_seconds = 600;
      failing('timeout', { message: 'Source API stopped answering; run timed out.' })(s);
    });
    expect(error).toMatchObject({
      result: 'TIMEDOUT',
      error: 'Source API stopped answering; run timed out.',
    });
  });

  it('runs the runaway query’s own statement, reading the bytes it says', () => {
    const text =
      'MERGE INTO main.finance.orders o USING main.finance.raw_orders r ON true WHEN MATCHED THEN UPDATE SET *';
    const sink = new MemorySink();
    const scenario = scenarioWith((s) => {
      s.warehouses = [{ name: 'bi', team: 'finance', owner: 'alice@example.com' }];
      s.faults = [
        {
          id: 'runaway',
          kind: 'runaway_query',
          target: { warehouse: 'bi' },
          start: '+1h',
          end: '+2h',
          query: { text, read_bytes: 9_000_000_000_000 },
          message: '[QUERY_EXECUTION_TIMEOUT_EXCEEDED] Query was cancelled after the 1h statement timeout.',
          expected: { category: 'resource', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    const ws = new SimWorkspace({ scenario, seed: 7, sink });
    ws.advanceTo(START + 3 * HOUR);
    const row = sink.rows('query.history').find((r) => r.statement_text === text);
    expect(row).toMatchObject({
      statement_type: 'MERGE',
      read_bytes: 9_000_000_000_000,
      execution_status: 'FAILED',
      error_message: '[QUERY_EXECUTION_TIMEOUT_EXCEEDED] Query was cancelled after the 1h statement timeout.',
    });
  });

  it('refuses a query on a fault that is not a runaway query', () => {
    expect(() => scenarioWith(failing('oom', { query: { text: 'SELECT 1' } }))).toThrow(
      /only a runaway_query fault takes a query/,
    );
  });
});
