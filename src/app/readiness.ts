import { sql } from 'kysely';
import type { Clock } from '../domain/clock.js';
import type { PollSchedule } from '../jobs/keep-poll-schedules.js';
import type { PollFailure, PollLedger, PollRecord } from '../jobs/poll-ledger.js';
import type { Store } from '../store/open-store.js';

/**
 * What `/readyz` answers: `ok` when every check is, except that with several workspaces one that fails
 * leaves the process ready while another is healthy; `failed` names every check that is not ok.
 */
export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
  failed: string[];
}

export interface ReadinessOptions {
  store: Pick<Store, 'db' | 'dialect'>;
  /** Each watched workspace's poll ledger, the first first; `name` labels its checks when there are several. */
  workspaces: readonly { readonly name: string; readonly polls: Pick<PollLedger, 'read'> }[];
  /** The poll schedules of one workspace: every workspace has the same. */
  schedules: readonly PollSchedule[];
  wallClock: Clock;
  /** Wall-clock ms when this process began polling: a source has until then + its allowance to poll. */
  since: number;
  /** How long Redis and the store have to answer. Default 5 s. */
  timeoutMs?: number;
  /**
   * A source is late once it has not finished a poll for two of its intervals plus this margin (a poll
   * takes time, and a schedule may fire just after a check). Default 15 s.
   */
  marginMs?: number;
}

/**
 * `/readyz` for a process that runs the monitoring: Redis (the queues), the store, the workspace, and
 * every monitoring source, which must have finished a poll within its allowance. A poll the workspace
 * turned away counts: the schedule is alive and the workspace said "slow down", which
 * `dbxops_monitoring_degraded` shows. The workspace is not ready while it refuses a poll in a way that
 * retrying cannot mend (a bad token, missing rights, an unknown warehouse); a failure that may pass (an
 * outage, a timeout) is retried and only named.
 *
 * With several workspaces each has its own checks (`workspace:<name>`, `poll:<name>:<source>`), and the
 * process is ready while Redis, the store and at least one workspace are: one misconfigured workspace is
 * named among the failed checks (and on the console) while the others go on being watched and served.
 */
export function monitoringReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const marginMs = options.marginMs ?? 15_000;
  return async () => {
    const now = options.wallClock.now();
    const [store, ...polls] = await Promise.allSettled([
      within(timeoutMs, sql`select 1`.execute(options.store.db)),
      ...options.workspaces.map((w) => within(timeoutMs, w.polls.read())),
    ]);
    const checks: Record<string, string> = {};
    const failed: string[] = [];
    const report = (name: string, verdict: { ok: boolean; text: string }) => {
      checks[name] = verdict.text;
      if (!verdict.ok) failed.push(name);
      return verdict.ok;
    };
    const redisOk = report('redis', reachable(polls[0] ?? store, 'ok'));
    const storeOk = report('store', reachable(store, `ok (${options.store.dialect})`));
    const several = options.workspaces.length > 1;
    let healthy = 0;
    options.workspaces.forEach((workspace, i) => {
      const records = polls[i];
      const label = (check: string) => (several ? `${check}:${workspace.name}` : check);
      const unknown = { ok: false, text: 'unknown: Redis, where polls are recorded, is unreachable' };
      let ok = report(
        label('workspace'),
        records?.status === 'fulfilled' ? judgeWorkspace(options.schedules, records.value, now) : unknown,
      );
      for (const schedule of options.schedules) {
        const name = several ? `poll:${workspace.name}:${schedule.source}` : `poll:${schedule.source}`;
        const verdict =
          records?.status === 'fulfilled'
            ? judgePoll(schedule, records.value.get(schedule.source), now, options.since, marginMs)
            : unknown;
        ok = report(name, verdict) && ok;
      }
      if (ok) healthy += 1;
    });
    return { ok: redisOk && storeOk && healthy > 0, checks, failed };
  };
}

/** Sources that call the workspace (the retriage reads only the store). */
const WORKSPACE_SOURCES: ReadonlySet<string> = new Set(['runs', 'system_tables', 'topology']);

/**
 * Failures no retry mends: the workspace refused our credentials or rights, or the thing we read is not
 * there (a warehouse id that names none). Keyed by the error's stable code, then its reason.
 */
const REFUSALS: Readonly<Record<string, ReadonlySet<string> | true>> = {
  DATABRICKS_UNAUTHENTICATED: true,
  DATABRICKS_PERMISSION_DENIED: true,
  DATABRICKS_NOT_FOUND: true,
  DATABRICKS_INVALID_PARAMETER: true,
  WAREHOUSE_QUERY_FAILED: new Set(['PERMISSION', 'NOT_FOUND', 'INVALID_PARAMETER']),
  CONFIG_INVALID: true,
};

function isRefusal(failure: PollFailure): boolean {
  const refusal = REFUSALS[failure.code];
  return refusal === true || refusal?.has(failure.reason ?? '') === true;
}

function judgeWorkspace(
  schedules: readonly PollSchedule[],
  records: ReadonlyMap<string, PollRecord>,
  now: number,
): { ok: boolean; text: string } {
  const failed = schedules
    .filter((s) => WORKSPACE_SOURCES.has(s.source))
    .flatMap((s) => {
      const failure = records.get(s.source)?.failure;
      return failure ? [{ source: s.source, failure }] : [];
    });
  const refused = failed.find((f) => isRefusal(f.failure));
  if (refused) {
    return {
      ok: false,
      text: `refused: the ${refused.source} poll ${seconds(now - refused.failure.at)} ago: ${refused.failure.message}`,
    };
  }
  const [retrying] = failed;
  if (retrying) {
    return {
      ok: true,
      text: `ok: the ${retrying.source} poll is being retried after ${retrying.failure.message}`,
    };
  }
  return { ok: true, text: 'ok' };
}

function judgePoll(
  schedule: PollSchedule,
  record: PollRecord | undefined,
  now: number,
  since: number,
  marginMs: number,
): { ok: boolean; text: string } {
  const allowedMs = 2 * schedule.everyMs + marginMs;
  const failure = record?.failure;
  const every = `every ${seconds(schedule.everyMs)}${failure ? `; the last attempt failed ${seconds(Math.max(0, now - failure.at))} ago` : ''}`;
  const last = record?.last;
  if (last === undefined) {
    const waited = now - since;
    return waited <= allowedMs
      ? { ok: true, text: `ok: no poll yet since start ${seconds(waited)} ago (${every})` }
      : { ok: false, text: `late: no poll on record for ${seconds(waited)} (${every})` };
  }
  const age = Math.max(0, now - last.at);
  const throttled = last.outcome === 'degraded' ? ', turned away by the workspace' : '';
  return age <= allowedMs
    ? { ok: true, text: `ok: polled ${seconds(age)} ago${throttled} (${every})` }
    : { ok: false, text: `late: last poll ${seconds(age)} ago${throttled} (${every})` };
}

function reachable(outcome: PromiseSettledResult<unknown>, ok: string): { ok: boolean; text: string } {
  if (outcome.status === 'fulfilled') return { ok: true, text: ok };
  const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
  return { ok: false, text: `unreachable: ${message.slice(0, 200)}` };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** `work`, or a rejection once `ms` have passed without an answer. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds(ms)}`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
