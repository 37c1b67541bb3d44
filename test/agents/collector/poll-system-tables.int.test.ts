import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { loadTopology } from '../../../src/agents/collector/load-topology.js';
import { pollRuns } from '../../../src/agents/collector/poll-runs.js';
import { patAuth } from '../../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import { monitoringDegradedSignal } from '../../../src/agents/collector/monitoring-degraded.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { WarehouseError } from '../../../src/databricks/warehouse.js';
import { makeSignal } from '../../../src/domain/signal.js';
import { scimId } from '../../../src/sim/engine/object-acl.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

const scenario = scenarioWith((s) => {
  // The scenario's SLA becomes the job's sla / sla_timezone / sla_table tags, as a team would set them.
  s.jobs![0]!.sla = { deadline: '06:00', table: 'main.finance.daily_revenue', timezone_id: 'Europe/Berlin' };
  s.faults = [
    {
      id: 'revoke',
      kind: 'revoked_grant',
      target: { grant: { table: 'main.finance.raw_orders', principal: 'finance-etl' } },
      start: '+90m',
      expected: { category: 'permission', severity: 'P2', action: 'NOTIFY_OWNER' },
    },
  ];
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario);
});
afterAll(async () => {
  await h.close();
});

describe('pollSystemTables on a simulated workspace', () => {
  const cache = createCollectorCache();

  it('collects table loads, costs per team and revoked grants, each row once', async () => {
    await h.advanceTo(START + 2 * HOUR);
    const first = await pollSystemTables(h.deps, cache);
    expect(first.degraded).toEqual([]);
    const tables = new Set(first.tableLoads.map((l) => l.table));
    expect(tables).toEqual(
      new Set(['main.finance.raw_orders', 'main.finance.orders', 'main.finance.daily_revenue']),
    );
    expect(first.tableLoads.every((l) => l.rowsWritten > 0 && l.jobId !== undefined)).toBe(true);
    expect(first.costs.some((c) => c.team === 'finance' && c.granularity === 'day' && c.usd > 0)).toBe(true);
    // Each period names the jobs (usage_metadata.job_id) its spend went to, largest first.
    const jobIds = new Set(h.workspace.listJobs().map((j) => String(j.jobId)));
    const day = first.costs.find((c) => c.team === 'finance' && c.granularity === 'day');
    expect(day!.resources.length).toBeGreaterThan(0);
    expect(day!.resources.every((r) => r.type === 'job' && jobIds.has(r.id))).toBe(true);
    expect(day!.resources.reduce((a, r) => a + r.usd, 0)).toBeCloseTo(day!.usd, 4);
    expect(first.grantChanges).toEqual([
      expect.objectContaining({
        securable: 'main.finance.raw_orders',
        principal: 'finance-etl',
        removed: ['SELECT'],
      }),
    ]);

    const again = await pollSystemTables(h.deps, cache);
    expect(again.tableLoads).toEqual([]);
    expect(again.grantChanges).toEqual([]);
    expect(again.costs).toEqual([]);
  });

  it('picks up a row that lands late, inside the lag allowance', async () => {
    await h.advanceTo(START + 2 * HOUR + 5 * MIN);
    await pollSystemTables(h.deps, cache, { sources: ['table_loads'] });
    // A load from ten minutes ago arrives only now, the way system tables fill late.
    h.sink.append('ops.etl_audit', [
      {
        table_full_name: 'main.finance.late_table',
        job_id: '1',
        run_id: '42',
        task_key: 'late',
        task_run_id: '43',
        rows_written: 7,
        load_time: START + 2 * HOUR - 5 * MIN,
        status: 'SUCCEEDED',
      },
    ]);
    await h.sink.flush();
    const next = await pollSystemTables(h.deps, cache, { sources: ['table_loads'] });
    expect(next.tableLoads.map((l) => l.table)).toEqual(['main.finance.late_table']);
  });

  it('reports an unreadable permission change as a rejected row, once, and keeps the good ones', async () => {
    h.sink.append('access.audit', [
      {
        event_id: 'evil-1',
        event_time: START + 2 * HOUR + 4 * MIN,
        event_date: '2026-11-20',
        service_name: 'unityCatalog',
        action_name: 'updatePermissions',
        request_params: { securable_full_name: 'main.x.y', changes: '{"not":"a list"' },
      },
      {
        event_id: 'dup-1',
        event_time: START + 2 * HOUR + 4 * MIN,
        event_date: '2026-11-20',
        service_name: 'unityCatalog',
        action_name: 'updatePermissions',
        request_params: {
          securable_full_name: 'main.x.y',
          changes: JSON.stringify([{ principal: 'bob', remove: ['MODIFY'] }]),
        },
      },
    ]);
    await h.sink.flush();
    const out = await pollSystemTables(h.deps, cache, { sources: ['audit'] });
    expect(out.grantChanges.map((g) => `${g.eventId}:${g.principal}`)).toEqual(['dup-1:bob']);
    expect(out.rejected).toEqual([{ source: 'audit', reason: 'request_params.changes: not JSON' }]);
    // The next poll re-reads the lag allowance: neither row comes back.
    const again = await pollSystemTables(h.deps, cache, { sources: ['audit'] });
    expect(again.grantChanges).toEqual([]);
    expect(again.rejected).toEqual([]);
  });

  it('rejects a change list of the wrong shape or without a securable, and throws nothing', async () => {
    const row = (id: string, request_params: Record<string, string>) => ({
      event_id: id,
      event_time: START + 2 * HOUR + 4 * MIN,
      event_date: '2026-11-20',
      service_name: 'unityCatalog',
      action_name: 'updatePermissions',
      request_params,
    });
    h.sink.append('access.audit', [
      row('shape-1', { securable_full_name: 'main.x.y', changes: JSON.stringify([{ principal: 7 }]) }),
      row('nochange-1', { securable_full_name: 'main.x.y' }),
      row('nosecurable-1', { changes: JSON.stringify([{ principal: 'eve', remove: ['SELECT'] }]) }),
      row('huge-1', { securable_full_name: 'main.x.y', changes: `[${'{"principal":"a"},'.repeat(70_000)}]` }),
    ]);
    await h.sink.flush();
    const out = await pollSystemTables(h.deps, cache, { sources: ['audit'] });
    expect(out.grantChanges).toEqual([]);
    expect(out.rejected.map((r) => r.reason).sort()).toEqual([
      'request_params.changes.0.principal: Invalid input: expected string, received number',
      'request_params.changes: longer than 1000000 characters',
      'request_params.changes: missing',
      'securable: Invalid input: expected string, received undefined',
    ]);
  });
  it('reads a cluster, job or pipeline ACL change, and rejects one without an object or principal, once', async () => {
    await h.advanceTo(START + 2 * HOUR + 10 * MIN);
    const job = h.workspace.listJobs()[0]!;
    const row = (
      id: string,
      action: string,
      service: string,
      request_params: Record<string, string> | null,
    ) => ({
      event_id: id,
      event_time: START + 2 * HOUR + 7 * MIN,
      event_date: '2026-11-20',
      service_name: service,
      action_name: action,
      user_identity: { email: 'bob@example.com', subject_name: null },
      request_params,
    });
    h.sink.append('access.audit', [
      row('acl-1', 'changeClusterAcl', 'clusters', {
        shardName: 'dbc-unit',
        targetUserId: '1000004215',
        resourceId: '0101-020000-abcd1234',
        aclPermissionSet: 'None',
      }),
      row('acl-2', 'changePipelineAcls', 'deltaPipelines', { targetUserId: '77', aclPermissionSet: 'View' }),
      row('acl-3', 'changeJobAcl', 'jobs', { resourceId: '42', aclPermissionSet: 'None' }),
      row('acl-4', 'changeJobAcl', 'jobs', { resourceId: '42', targetUserId: 'x'.repeat(5_000) }),
      row('acl-5', 'changeClusterAcl', 'clusters', null),
      // A group by its SCIM id: named as ACLs name it; and a job the workspace has, by its name.
      row('acl-7', 'changeJobAcl', 'jobs', {
        targetUserId: scimId('finance-etl'),
        resourceId: String(job.jobId),
        aclPermissionSet: 'View',
      }),
      // Not an ACL change dbxops reads: left to the services that own it.
      row('acl-6', 'changeWarehouseAcls', 'databrickssql', { resourceId: 'w', targetUserId: '1' }),
    ]);
    await h.sink.flush();
    const out = await pollSystemTables(h.deps, cache, { sources: ['audit'] });
    expect(out.aclChanges).toEqual([
      {
        workspaceId: expect.any(String),
        eventId: 'acl-1',
        at: START + 2 * HOUR + 7 * MIN,
        actor: 'bob@example.com',
        objectType: 'cluster',
        objectId: '0101-020000-abcd1234',
        principal: '1000004215',
        level: 'None',
      },
      expect.objectContaining({
        eventId: 'acl-7',
        objectType: 'job',
        objectId: String(job.jobId),
        objectName: job.settings.name,
        principal: 'finance-etl',
        level: 'View',
      }),
    ]);
    // The earlier test's grant rows without a securable are read again inside the lag allowance.
    const aclReasons = out.rejected.map((r) => r.reason).filter((r) => !r.startsWith('securable'));
    expect(aclReasons.sort()).toEqual([
      'changeClusterAcl request_params.resourceId: missing',
      'changeJobAcl request_params.targetUserId: missing',
      'changePipelineAcls request_params.resourceId: missing',
      expect.stringMatching(/^principal: Too big/),
    ]);
    const again = await pollSystemTables(h.deps, cache, { sources: ['audit'] });
    expect(again.aclChanges).toEqual([]);
    expect(again.rejected.filter((r) => !r.reason.startsWith('securable'))).toEqual([]);
  });
});

describe('loadTopology', () => {
  it('has the lineage edges, the writing jobs and the SLAs of the scenario', async () => {
    const outcome = await loadTopology(h.deps);
    if (outcome.degraded) throw new Error('degraded');
    const t = outcome.topology;
    const job = t.jobs.find((j) => j.name === 'orders_etl')!;
    expect(job.tablesWritten).toEqual([
      'main.finance.daily_revenue',
      'main.finance.orders',
      'main.finance.raw_orders',
    ]);
    expect(t.lineage).toContainEqual(
      expect.objectContaining({
        sourceTable: 'main.finance.raw_orders',
        targetTable: 'main.finance.orders',
        entityType: 'JOB',
        jobId: job.jobId,
      }),
    );
    const sla = t.slas.find((s) => s.table === 'main.finance.daily_revenue');
    expect(sla).toMatchObject({
      deadline: '06:00',
      timezone: 'Europe/Berlin',
      team: 'finance',
      upstreamJobIds: [job.jobId],
    });
    expect(sla!.lastRefreshedAt).toBeGreaterThan(START);
    expect(t.tableTeams?.['main.finance.orders']).toBe('finance');
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('reports a warehouse out of capacity as degraded and still caches the jobs it listed', async () => {
    const cache = createCollectorCache();
    const warehouse = {
      ...h.deps.warehouse,
      query: async () => {
        throw new WarehouseError('RESOURCE_EXHAUSTED', 'the warehouse is at capacity');
      },
    };
    const outcome = await loadTopology({ ...h.deps, warehouse }, cache);
    expect(outcome.degraded).toMatchObject({ source: 'topology', reason: 'RATE_LIMITED' });
    expect(cache.topology).toBeUndefined();
    expect([...cache.jobs.values()].map((entry) => entry.info.name)).toContain('orders_etl');
  });

  it('lets a policy SLA win over the job tag for the table it names', async () => {
    const deps = {
      ...h.deps,
      policy: {
        ...h.deps.policy,
        slas: [
          {
            table: 'main.finance.daily_revenue',
            deadline: '04:30',
            timezone: 'UTC',
            criticality: 'board-reporting',
          },
        ],
      },
    };
    const outcome = await loadTopology(deps);
    if (outcome.degraded) throw new Error('degraded');
    expect(outcome.topology.slas.find((s) => s.table === 'main.finance.daily_revenue')).toMatchObject({
      deadline: '04:30',
      timezone: 'UTC',
      criticality: 'board-reporting',
    });
  });

  it('takes a policy SLA stated as a maximum age into the topology, with its age to warn from', async () => {
    const policySla = { table: 'main.finance.orders', max_age: '2h', warn_after: '90m', timezone: 'UTC' };
    const deps = { ...h.deps, policy: { ...h.deps.policy, slas: [policySla] } };
    const outcome = await loadTopology(deps);
    if (outcome.degraded) throw new Error('degraded');
    const sla = outcome.topology.slas.find((s) => s.table === 'main.finance.orders');
    expect(sla).toMatchObject({ maxAgeMinutes: 120, warnAfterMinutes: 90, team: 'finance' });
    expect(sla?.deadline).toBeUndefined();
    expect(sla?.lastRefreshedAt).toBeGreaterThan(START);
  });
});

describe('monitoringDegradedSignal', () => {
  const degraded = {
    source: 'runs',
    reason: 'RATE_LIMITED',
    retryAfterMs: 30_000,
    message: 'GET /api/2.2/jobs/runs/list failed',
  } as const;

  it('makes a valid signal that is the same signal for the rest of the hour and a new one the next hour', () => {
    const a = makeSignal(monitoringDegradedSignal('1234567890123456', degraded, START + 5 * MIN));
    const b = makeSignal(monitoringDegradedSignal('1234567890123456', degraded, START + 55 * MIN));
    const c = makeSignal(monitoringDegradedSignal('1234567890123456', degraded, START + 65 * MIN));
    if (!a.ok || !b.ok || !c.ok) throw new Error('invalid signal');
    expect(a.value.kind).toBe('monitoring_degraded');
    expect(a.value.id).toBe(b.value.id);
    expect(c.value.id).not.toBe(a.value.id);
    const other = makeSignal(
      monitoringDegradedSignal('1234567890123456', { ...degraded, source: 'billing' }, START + 5 * MIN),
    );
    expect(other.ok && other.value.id).not.toBe(a.value.id);
  });
});

describe('pollSystemTables on a workspace with a past', () => {
  it('finds a warehouse idle since more than a day on its first poll', async () => {
    const idle = scenarioWith((s) => {
      s.warehouses = [
        { name: 'adhoc', team: 'finance', owner: 'alice@example.com', size: 'Large', queries_per_hour: 0 },
      ];
      s.faults = [
        {
          id: 'no-autostop',
          kind: 'idle_warehouse_no_autostop',
          target: { warehouse: 'adhoc' },
          start: '+1h',
          end: '+30h',
          expected: { category: 'config', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    const fresh = await startHarness(idle);
    try {
      await fresh.advanceTo(START + 30 * HOUR);
      const polled = await pollSystemTables(fresh.deps, createCollectorCache(), {
        sources: ['query_history', 'warehouse_events'],
      });
      const adhoc = polled.warehouses.find((w) => w.name === 'adhoc');
      expect(adhoc).toMatchObject({ state: 'RUNNING', autoStopMins: 0 });
      // Started at +1h, up a few minutes later: idle for 29 hours, beyond the first poll's day.
      expect(adhoc?.idleSince).toBeGreaterThanOrEqual(START + HOUR);
      expect(adhoc?.idleSince).toBeLessThan(START + 2 * HOUR);
    } finally {
      await fresh.close();
    }
  });
});

describe('pollSystemTables on the job clusters of past runs', () => {
  it('reads the events of a run’s job cluster until it terminated, then stops asking for them', async () => {
    const hourly = await startHarness(scenarioWith(() => {}));
    try {
      const asked: string[] = [];
      const client = createDatabricksClient({
        host: hourly.url,
        auth: patAuth(hourly.token),
        clock: hourly.workspace.clock,
        retry: { maxAttempts: 1 },
        sleep: async () => {},
        fetch: async (input, init) => {
          if (String(input).endsWith('/clusters/events'))
            asked.push(String((JSON.parse(String(init?.body)) as { cluster_id: string }).cluster_id));
          return fetch(input, init);
        },
      });
      const deps = { ...hourly.deps, client };
      const cache = createCollectorCache();
      const seen = new Set<string>();
      for (let t = START + 10 * MIN; t <= START + 6 * HOUR; t += 10 * MIN) {
        await hourly.advanceTo(t);
        await pollRuns(deps, cache);
        asked.length = 0;
        const polled = await pollSystemTables(deps, cache, { sources: ['cluster_events'] });
        for (const e of polled.clusterEvents) seen.add(`${e.clusterId}|${e.type}`);
      }
      // Every hourly run had a job cluster of its own, and its whole life was read.
      const clusters = new Set([...seen].map((k) => k.split('|')[0]));
      expect(clusters.size).toBeGreaterThanOrEqual(5);
      for (const id of clusters) expect(seen.has(`${id}|CREATING`)).toBe(true);
      // Each earlier hour's cluster was read up to its end.
      const ended = [...clusters].filter((id) => seen.has(`${id}|TERMINATING`));
      expect(ended.length).toBeGreaterThanOrEqual(clusters.size - 1);
      // The last poll asked only about clusters still up: none of the terminated ones of earlier hours.
      expect(asked.length).toBeLessThanOrEqual(1);
    } finally {
      await hourly.close();
    }
  });
});

describe('pollSystemTables reading cluster events', () => {
  it("names the job and run of a job cluster's launch failure, which only a repair of that run fixes", async () => {
    const h = await startHarness(
      scenarioWith((s) => {
        s.faults = [
          {
            id: 'no-capacity',
            kind: 'cloud_capacity',
            target: { job: 'orders_etl' },
            start: '+0h',
            occurrences: 1,
            expected: { category: 'capacity', severity: 'P3', action: 'RETRY' },
          },
        ];
      }),
    );
    try {
      const cache = createCollectorCache();
      await h.advanceTo(START + 30 * MIN);
      await pollRuns(h.deps, cache, { overlapMs: 10 * MIN });
      const polled = await pollSystemTables(h.deps, cache, { sources: ['cluster_events'] });
      const [failed] = h.workspace.listRuns({});
      const launch = polled.clusterEvents.find(
        (e) => e.reasonCode === 'AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE',
      );
      expect(launch).toMatchObject({ jobId: String(failed?.job.jobId), runId: String(failed?.runId) });
    } finally {
      await h.close();
    }
  });
});

describe('pollSystemTables on a warehouse under load', () => {
  it('counts statements waiting at capacity as queued, and not those waiting for the warehouse to start', async () => {
    const loaded = scenarioWith((s) => {
      s.warehouses = [
        {
          name: 'bi',
          team: 'finance',
          owner: 'alice@example.com',
          max_clusters: 1,
          business_hours: [7, 19],
          load: {
            concurrency_per_cluster: 10,
            dashboards: [{ name: 'kpis', refresh_minutes: 15, queries: 8 }],
          },
        },
      ];
      s.faults = [
        {
          id: 'storm',
          kind: 'query_storm',
          target: { warehouse: 'bi' },
          start: '+10h',
          end: '+11h',
          factor: 30,
          expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    const fresh = await startHarness(loaded);
    const bi = async () => {
      const polled = await pollSystemTables(fresh.deps, createCollectorCache(), {
        sources: ['query_history', 'warehouse_events'],
      });
      return polled.warehouses.find((w) => w.name === 'bi');
    };
    try {
      // 07:00: the first dashboard refresh starts the stopped warehouse and waits minutes for compute.
      await fresh.advanceTo(START + 7 * HOUR + MIN);
      expect(await bi()).toMatchObject({ state: 'STARTING', queuedQueries: 0 });
      expect((await bi())?.maxQueuedMs).toBeUndefined();
      // 10:10: a storm of 30 statements a minute on one cluster's ten slots waits at capacity.
      await fresh.advanceTo(START + 10 * HOUR + 10 * MIN);
      const storm = await bi();
      expect(storm?.queuedQueries).toBeGreaterThan(10);
      expect(storm?.maxQueuedMs).toBeGreaterThan(MIN);
    } finally {
      await fresh.close();
    }
  });
});

describe('pollSystemTables on the embedded warehouse', () => {
  const busy = scenarioWith((s) => {
    s.jobs![0]!.sla = {
      deadline: '06:00',
      table: 'main.finance.daily_revenue',
      timezone_id: 'Europe/Berlin',
    };
    s.warehouses = [
      { name: 'bi', team: 'finance', owner: 'alice@example.com', size: 'Small', queries_per_hour: 6 },
      { name: 'adhoc', team: 'finance', owner: 'alice@example.com', size: 'Large', queries_per_hour: 0 },
    ];
    s.faults = [
      {
        id: 'revoke',
        kind: 'revoked_grant',
        target: { grant: { table: 'main.finance.raw_orders', principal: 'finance-etl' } },
        start: '+90m',
        expected: { category: 'permission', severity: 'P2', action: 'NOTIFY_OWNER' },
      },
      {
        id: 'no-autostop',
        kind: 'idle_warehouse_no_autostop',
        target: { warehouse: 'adhoc' },
        start: '+1h',
        end: '+30h',
        expected: { category: 'config', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
  });

  it('hands out what a warehouse that cannot tell what changed hands out, and skips the tables nothing was added to', async () => {
    // The same seeded workspace twice: read as a real warehouse is, and through the embedded one.
    const real = await startHarness(busy);
    const embedded = await startHarness(busy, undefined, { embedded: true });
    try {
      const statements: string[] = [];
      const counted = embedded.deps.warehouse;
      const deps = {
        ...embedded.deps,
        warehouse: {
          query: (text: string, options?: Parameters<typeof counted.query>[1]) => {
            statements.push(text);
            return counted.query(text, options);
          },
          contentVersion: (tables: readonly string[]) => counted.contentVersion?.(tables),
          close: () => counted.close(),
        },
      };
      const realCache = createCollectorCache();
      const embeddedCache = createCollectorCache();
      const times = [START + 20 * MIN, START + 20 * MIN];
      for (let t = START + 30 * MIN; t <= START + 5 * HOUR; t += 7 * MIN) times.push(t);
      times.push(START + 30 * HOUR, START + 30 * HOUR);
      let skipped = 0;
      const grants: string[] = [];
      let idleSince: number | undefined;
      for (const [i, t] of times.entries()) {
        await real.advanceTo(t);
        await embedded.advanceTo(t);
        const ran = statements.length;
        const expected = await pollSystemTables(real.deps, realCache);
        const got = await pollSystemTables(deps, embeddedCache);
        expect(got).toEqual(expected);
        // Eight statements when every source must look again.
        if (statements.length - ran < 8) skipped++;
        // A second poll at the same instant: nothing was added to any table, so nothing is read.
        if (i === 1) expect(statements.length).toBe(ran);
        grants.push(...got.grantChanges.map((g) => g.principal));
        idleSince = got.warehouses.find((w) => w.name === 'adhoc')?.idleSince ?? idleSince;
      }
      expect(skipped).toBeGreaterThan(times.length / 2);
      // What it handed out along the way: the revoked grant, and the warehouse left running idle.
      expect(grants).toEqual(['finance-etl']);
      expect(idleSince).toBeGreaterThanOrEqual(START + HOUR);

      // An operator sets the loads' watermark back to before anything a (restarted) process read: the
      // unchanged table is read again, and the loads of the first hours come out as they would anyway.
      const [realAgain, embeddedAgain] = [createCollectorCache(), createCollectorCache()];
      const setBack = async (to: number) => {
        for (const h of [real, embedded])
          await h.deps.watermarks.reset(
            h.deps.workspaceId,
            'table_loads',
            { lastSeenAt: to },
            START + 30 * HOUR,
          );
      };
      const both = async () => {
        const expected = await pollSystemTables(real.deps, realAgain, { sources: ['table_loads'] });
        const got = await pollSystemTables(deps, embeddedAgain, { sources: ['table_loads'] });
        expect(got).toEqual(expected);
        return got.tableLoads;
      };
      await setBack(START + 20 * HOUR);
      await both();
      expect(await both()).toEqual([]);
      await setBack(START);
      const firstHours = await both();
      expect(firstHours.length).toBeGreaterThan(0);
      expect(firstHours.every((l) => l.loadedAt !== undefined && l.loadedAt < START + 20 * HOUR)).toBe(true);
    } finally {
      await embedded.close();
      await real.close();
    }
  });
});
