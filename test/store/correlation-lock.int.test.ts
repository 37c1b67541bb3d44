import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../src/agents/correlator/build-dependency-graph.js';
import { detectRunFailures } from '../../src/agents/detector/detect-run-failures.js';
import { type HandleSignalDeps, handleSignal } from '../../src/agents/incidents/handle-signal.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Signal } from '../../src/domain/signal.js';
import { createCorrelationLock } from '../../src/store/correlation-lock.js';
import type { Store } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { run, task } from '../agents/detector/observation-factory.js';
import { type DialectCase, dialects } from './dialects.js';

const NOW = Date.UTC(2026, 10, 22, 3, 0);

/** The failure signal of one run of `jobId` (its own cluster and tables unless given). */
function failure(jobId: string, runId: string, refs: { read?: string[]; wrote?: string[] } = {}): Signal {
  const [signal] = detectRunFailures(
    [
      run({
        jobId,
        jobName: `job ${jobId}`,
        runId,
        tablesRead: refs.read ?? [],
        tablesWritten: refs.wrote ?? [],
        computeIds: [`cluster-${jobId}`],
        resultState: 'FAILED',
        startTime: NOW - 600_000,
        endTime: NOW,
        tasks: [task('main', `${runId}1`, { resultState: 'FAILED', endTime: NOW })],
      }),
    ],
    NOW,
  ).signals;
  if (!signal) throw new Error('no signal');
  return signal;
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe.each(dialects())('the correlation lock on $name', (dialect: DialectCase) => {
  let store: Store;
  let deps: HandleSignalDeps;

  beforeAll(async () => {
    store = await dialect.open();
    const repos = createRepositories(store.db);
    deps = {
      incidents: repos.incidents,
      recurring: repos.recurringIssues,
      graph: () => buildDependencyGraph({}),
      criticality: () => [],
      policy: defaultPolicy(),
      clock: new ManualClock(NOW),
      lock: createCorrelationLock(store.db, { dialect: store.dialect }),
    };
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('opens one incident for failures of one job handled concurrently, and one each for unrelated jobs', async () => {
    const same = Array.from({ length: 12 }, (_, i) => failure('7001', `${9000 + i}`));
    const unrelated = Array.from({ length: 12 }, (_, i) => failure(`71${i}`, `${9100 + i}`));
    const outcomes = await Promise.all([...same, ...unrelated].map((s) => handleSignal(deps, s)));
    expect(outcomes.filter((o) => o.kind === 'rejected')).toEqual([]);

    const incidentOf = (o: (typeof outcomes)[number]) =>
      o.kind === 'opened' || o.kind === 'joined'
        ? o.incident.id
        : o.kind === 'duplicate'
          ? o.incidentId
          : null;
    expect(new Set(outcomes.slice(0, 12).map(incidentOf)).size).toBe(1);
    expect(new Set(outcomes.slice(12).map(incidentOf)).size).toBe(12);
    const [first] = outcomes;
    if (first?.kind !== 'opened' && first?.kind !== 'joined') throw new Error('no incident');
    expect(await deps.incidents.listSignals(first.incident.id)).toHaveLength(12);
  });

  it('joins a downstream failure that arrives while its cause is still being stored', async () => {
    const cause = failure('7201', '9201', { wrote: ['main.sales.orders'] });
    const effect = failure('7202', '9202', { read: ['main.sales.orders'] });
    const [a, b] = await Promise.all([handleSignal(deps, cause), handleSignal(deps, effect)]);
    const ids = [a, b].map((o) => (o?.kind === 'opened' || o?.kind === 'joined' ? o.incident.id : null));
    expect(ids[0]).not.toBeNull();
    expect(ids[0]).toBe(ids[1]);
  });
});

// Advisory locks are PostgreSQL's: PGlite, one connection, runs transactions one at a time anyway.
describe('the correlation lock on a PostgreSQL server', () => {
  const [postgres] = dialects().filter((d) => d.name === 'postgres');
  let store: Store;
  beforeAll(async () => {
    store = await postgres!.open();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await postgres?.stop();
  });

  it('lets steps on unrelated keys run side by side and makes steps sharing a key take turns', async () => {
    const lock = createCorrelationLock(store.db, { dialect: 'postgres' });
    const held = deferred();
    const entered = deferred();
    const holder = lock(['job:1', 'table:a'], async () => {
      entered.resolve();
      await held.promise;
    });
    await entered.promise;
    const order: string[] = [];
    const unrelated = lock(['job:2'], async () => void order.push('unrelated'));
    const sharing = lock(['table:a', 'job:3'], async () => void order.push('sharing'));
    await unrelated;
    expect(order).toEqual(['unrelated']);
    held.resolve();
    await Promise.all([holder, sharing]);
    expect(order).toEqual(['unrelated', 'sharing']);
  });

  it('undoes a step that fails and hands the next step a clean connection', async () => {
    const lock = createCorrelationLock(store.db, { dialect: 'postgres' });
    const draft = (id: string) => ({
      id,
      workspaceId: 'ws-rollback',
      fingerprint: id,
      title: 'orders failed',
      severity: 'P2' as const,
      openedAt: NOW,
    });
    await expect(
      lock(['job:rollback'], async ({ incidents }) => {
        await incidents.open(draft('inc_thrown0001'));
        throw new Error('the step failed after writing');
      }),
    ).rejects.toThrow('the step failed after writing');
    await expect(
      lock(['job:rollback'], async ({ incidents }) => {
        await incidents.open(draft('inc_failed0001'));
        // A refused statement (no such incident) aborts the transaction: the step's next one fails.
        await incidents.addTimelineEntries([
          { incidentId: 'inc_missing001', at: NOW, phase: 'RCA', summary: 'x' },
        ]);
        await incidents.open(draft('inc_failed0002'));
      }),
    ).rejects.toThrow(/aborted/);
    await lock(
      ['job:rollback'],
      async ({ incidents }) => void (await incidents.open(draft('inc_kept00001'))),
    );
    const ids = await store.db
      .selectFrom('incidents')
      .select('id')
      .where('workspace_id', '=', 'ws-rollback')
      .execute();
    expect(ids.map((r) => r.id)).toEqual(['inc_kept00001']);
    const stuck = await sql<{ n: string }>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(store.db);
    expect(Number(stuck.rows[0]?.n)).toBe(0);
  });

  it('makes a step with more keys than it may lock one at a time wait for every other step', async () => {
    const lock = createCorrelationLock(store.db, { dialect: 'postgres', maxKeys: 4 });
    const held = deferred();
    const entered = deferred();
    const holder = lock(['job:1'], async () => {
      entered.resolve();
      await held.promise;
    });
    await entered.promise;
    const order: string[] = [];
    const wide = lock(
      Array.from({ length: 10 }, (_, i) => `job:${100 + i}`),
      async () => void order.push('wide'),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual([]);
    held.resolve();
    await Promise.all([holder, wide]);
    expect(order).toEqual(['wide']);
  });
});
