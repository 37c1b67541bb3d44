import { parseDurationMinutes } from '../../domain/duration.js';
import { resolveInstant } from '../scenario/instant.js';
import type { ScenarioJob } from '../scenario/schema.js';
import type { JobSettings, JobState, RunState } from './model.js';
import type { SimContext } from './sim-context.js';

/** The run `trigger` a job's trigger setting fires with (REST spelling). */
export type TriggeredBy = 'FILE_ARRIVAL' | 'TABLE' | 'PERIODIC' | 'CONTINUOUS';

/** The Jobs API `trigger` setting (file arrival, table update or periodic), as jobs/get returns it. */
export interface TriggerSettings {
  pause_status?: 'PAUSED' | 'UNPAUSED';
  file_arrival?: {
    url: string;
    min_time_between_triggers_seconds?: number;
    wait_after_last_change_seconds?: number;
  };
  table_update?: {
    table_names: string[];
    condition?: 'ANY_UPDATED' | 'ALL_UPDATED';
    min_time_between_triggers_seconds?: number;
    wait_after_last_change_seconds?: number;
  };
  periodic?: { interval: number; unit: 'HOURS' | 'DAYS' | 'WEEKS' };
}

const UNIT_MS = { HOURS: 3_600_000, DAYS: 86_400_000, WEEKS: 7 * 86_400_000 } as const;
/** After a successful (or cancelled) run a continuous job starts the next one this soon. */
const CONTINUOUS_NEXT_MS = 10_000;
/** After consecutive failures a continuous job backs off: 1, 2, 4 … minutes, at most 30. */
const CONTINUOUS_BACKOFF_MS = 60_000;
const CONTINUOUS_BACKOFF_MAX_MS = 30 * 60_000;

/** The trigger settings of a scenario job, as the Jobs API spells them. */
export function triggerSettings(spec: ScenarioJob): Pick<JobSettings, 'trigger' | 'continuous'> {
  const out: Pick<JobSettings, 'trigger' | 'continuous'> = {};
  const t = spec.trigger;
  if (t) {
    const trigger: TriggerSettings = { pause_status: t.pause_status };
    if (t.file_arrival) {
      const { arrivals: _simulated, ...setting } = t.file_arrival;
      trigger.file_arrival = setting;
    }
    if (t.table_update) trigger.table_update = { ...t.table_update };
    if (t.periodic) trigger.periodic = { ...t.periodic };
    out.trigger = trigger;
  }
  if (spec.continuous) out.continuous = { pause_status: spec.continuous.pause_status };
  return out;
}

/** The `trigger` struct and `trigger_type` of a `lakeflow.jobs` row. */
export function triggerColumns(s: JobSettings): {
  trigger: Record<string, unknown> | null;
  type: string | null;
} {
  const t = s.trigger;
  if (s.continuous) return { trigger: { continuous: { enabled: true } }, type: 'CONTINUOUS' };
  if (t?.file_arrival) return { trigger: { file_arrival: t.file_arrival }, type: 'FILE_ARRIVAL' };
  if (t?.table_update) return { trigger: { table_update: t.table_update }, type: 'TABLE' };
  if (t?.periodic)
    return {
      trigger: { periodic: { interval: t.periodic.interval, units: t.periodic.unit } },
      type: 'PERIODIC',
    };
  if (s.schedule) {
    return {
      trigger: {
        schedule: {
          quartz_cron_expression: s.schedule.quartz_cron_expression,
          timezone_id: s.schedule.timezone_id,
        },
      },
      type: 'CRON',
    };
  }
  return { trigger: null, type: null };
}

const isSeconds = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0);
const isPause = (v: unknown) => v === undefined || v === 'PAUSED' || v === 'UNPAUSED';

/**
 * Why the `trigger` and `continuous` settings a client sent cannot be applied, as Databricks says it
 * (`INVALID_PARAMETER_VALUE`); undefined when they can.
 */
export function triggerProblem(s: JobSettings): string | undefined {
  const t = s.trigger as unknown;
  const c = s.continuous as unknown;
  if (
    c !== undefined &&
    (typeof c !== 'object' || c === null || !isPause((c as { pause_status?: unknown }).pause_status))
  )
    return 'continuous.pause_status must be PAUSED or UNPAUSED.';
  if (c !== undefined && (t !== undefined || s.schedule !== undefined))
    return 'A job can have only one of schedule, trigger and continuous.';
  if (t === undefined) return undefined;
  if (typeof t !== 'object' || t === null) return 'trigger must be an object.';
  const { pause_status, file_arrival, table_update, periodic } = t as Record<string, unknown>;
  if (!isPause(pause_status)) return 'trigger.pause_status must be PAUSED or UNPAUSED.';
  if (s.schedule !== undefined) return 'A job can have only one of schedule, trigger and continuous.';
  const kinds = [file_arrival, table_update, periodic].filter((k) => k !== undefined);
  if (kinds.length !== 1) return 'trigger must set exactly one of file_arrival, table_update and periodic.';
  const waits = (k: Record<string, unknown>) =>
    isSeconds(k.min_time_between_triggers_seconds) && isSeconds(k.wait_after_last_change_seconds);
  if (file_arrival !== undefined) {
    const f = file_arrival as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || typeof f.url !== 'string' || f.url.length === 0 || !waits(f))
      return 'trigger.file_arrival needs a url and non-negative whole seconds.';
  }
  if (table_update !== undefined) {
    const u = table_update as Record<string, unknown>;
    const names = u?.table_names;
    if (
      typeof u !== 'object' ||
      u === null ||
      !Array.isArray(names) ||
      names.length === 0 ||
      names.length > 10 ||
      !names.every((n) => typeof n === 'string' && n.length > 0) ||
      (u.condition !== undefined && u.condition !== 'ANY_UPDATED' && u.condition !== 'ALL_UPDATED') ||
      !waits(u)
    )
      return 'trigger.table_update needs 1 to 10 table_names, condition ANY_UPDATED or ALL_UPDATED, and non-negative whole seconds.';
  }
  if (periodic !== undefined) {
    const p = periodic as Record<string, unknown>;
    if (
      typeof p !== 'object' ||
      p === null ||
      !Number.isInteger(p.interval) ||
      (p.interval as number) < 1 ||
      !(typeof p.unit === 'string' && p.unit in UNIT_MS)
    )
      return 'trigger.periodic needs a positive whole interval and a unit of HOURS, DAYS or WEEKS.';
  }
  return undefined;
}

/** Whether the job's trigger (or continuous setting) is paused; null when it has neither. */
export function triggerPaused(s: JobSettings): boolean | null {
  if (s.continuous) return s.continuous.pause_status === 'PAUSED';
  if (s.trigger) return s.trigger.pause_status === 'PAUSED';
  return null;
}

interface Pending {
  /** Something arrived (files, table updates) that no run has picked up yet. */
  waiting: boolean;
  lastChange: number;
  lastFire: number;
  /** Tables updated since the last fire, for ALL_UPDATED. */
  updated: Set<string>;
  checkAt: number | undefined;
}

/**
 * Triggers besides a cron schedule: files arriving in a watched location, updates of watched tables, a
 * fixed period, and continuous jobs. Each honours its pause status, `wait_after_last_change_seconds`
 * and `min_time_between_triggers_seconds`; a settings change re-arms it (an epoch drops stale fires).
 */
export class JobTriggers {
  readonly #pending = new Map<JobState, Pending>();
  readonly #epochs = new Map<JobState, number>();
  readonly #failures = new Map<JobState, number>();
  readonly #byTable = new Map<string, Set<JobState>>();

  constructor(
    private readonly ctx: SimContext,
    private readonly fire: (job: JobState, trigger: TriggeredBy) => void,
  ) {
    ctx.onTableUpdated((table, at) => {
      const jobs = this.#byTable.get(table);
      if (jobs === undefined || jobs.size === 0) return;
      // After the writer's own bookkeeping: a triggered run never starts inside the write that caused it.
      ctx.at(at, () => {
        for (const job of jobs) this.#tableUpdated(job, table, at);
      });
    });
  }

  /** (Re-)arms the job's trigger from its current settings; files keep arriving as the scenario says. */
  arm(job: JobState): void {
    const epoch = (this.#epochs.get(job) ?? 0) + 1;
    this.#epochs.set(job, epoch);
    for (const jobs of this.#byTable.values()) jobs.delete(job);
    this.#pending.delete(job);
    const s = job.settings;
    if (job.deleted || triggerPaused(s) !== false) return;
    const ctx = this.ctx;
    const live = () => this.#epochs.get(job) === epoch && !job.deleted;
    if (s.continuous) {
      ctx.at(Math.max(ctx.now(), ctx.startMs), () => {
        if (live() && job.activeCount === 0 && job.queued.length === 0) this.fire(job, 'CONTINUOUS');
      });
      return;
    }
    const t = s.trigger;
    if (t?.periodic) {
      const every = t.periodic.interval * UNIT_MS[t.periodic.unit];
      const from = Math.max(ctx.now(), ctx.startMs);
      const next = (after: number) =>
        job.createdTime + (Math.floor((after - job.createdTime) / every) + 1) * every;
      const tick = (at: number) => {
        ctx.at(at, () => {
          if (!live()) return;
          this.fire(job, 'PERIODIC');
          tick(next(at));
        });
      };
      tick(next(from - 1));
    }
    if (t?.table_update) {
      for (const table of t.table_update.table_names) {
        const jobs = this.#byTable.get(table) ?? new Set();
        jobs.add(job);
        this.#byTable.set(table, jobs);
      }
    }
    if (t?.file_arrival) {
      const arrivals = job.spec?.trigger?.file_arrival?.arrivals;
      if (arrivals) this.#armArrivals(job, arrivals, live);
    }
  }

  /** A run ended: a continuous job starts the next one (backing off after failures). */
  runEnded(run: RunState): void {
    const job = run.job;
    if (!job.settings.continuous || triggerPaused(job.settings) !== false || job.deleted) return;
    const failed = run.result !== 'SUCCESS' && run.result !== 'CANCELED' && run.result !== undefined;
    const failures = failed ? (this.#failures.get(job) ?? 0) + 1 : 0;
    this.#failures.set(job, failures);
    const delay =
      failures === 0
        ? CONTINUOUS_NEXT_MS
        : Math.min(CONTINUOUS_BACKOFF_MAX_MS, CONTINUOUS_BACKOFF_MS * 2 ** (failures - 1));
    const epoch = this.#epochs.get(job);
    this.ctx.at(this.ctx.now() + delay, () => {
      if (this.#epochs.get(job) !== epoch || job.deleted) return;
      if (job.activeCount === 0 && job.queued.length === 0) this.fire(job, 'CONTINUOUS');
    });
  }

  /** Files land every `every_minutes` (± jitter) inside the arrival hours, from the scenario start. */
  #armArrivals(
    job: JobState,
    arrivals: NonNullable<NonNullable<ScenarioJob['trigger']>['file_arrival']>['arrivals'],
    live: () => boolean,
  ): void {
    const ctx = this.ctx;
    const [from, to] = arrivals.hours;
    const land = (after: number) => {
      const at =
        after +
        Math.max(1_000, Math.round(ctx.prng.jitter(arrivals.every_minutes, arrivals.jitter) * 60_000));
      if (at >= ctx.endMs) return;
      ctx.at(at, () => {
        if (!live()) return;
        const hour = new Date(at).getUTCHours();
        if (hour >= from && hour < to) this.#fileLanded(job, at, live);
        land(at);
      });
    };
    land(Math.max(ctx.now(), ctx.startMs));
  }

  /**
   * A file is due in the watched location: a late_arrival fault holds it back (`delay` later, `until` an
   * instant, or for good with `skip`); the arrivals after it keep their own times.
   */
  #fileLanded(job: JobState, at: number, live: () => boolean): void {
    const ctx = this.ctx;
    const name = job.spec?.name ?? job.settings.name;
    const [late] = ctx.activeForJob(name, at, (f) => f.kind === 'late_arrival');
    if (late === undefined) {
      this.#changed(job, at);
      return;
    }
    ctx.hit(late, at, {});
    const { delay, until, skip } = late.fault;
    if (skip) return;
    const landsAt =
      until !== undefined
        ? resolveInstant(until, ctx.scenarioStartMs)
        : at + (parseDurationMinutes(delay ?? '') ?? 0) * 60_000;
    if (landsAt >= ctx.endMs) return;
    ctx.at(Math.max(landsAt, at), () => {
      if (live()) this.#changed(job, ctx.now());
    });
  }

  #tableUpdated(job: JobState, table: string, at: number): void {
    const t = job.settings.trigger?.table_update;
    if (!t) return;
    const p = this.#state(job);
    p.updated.add(table);
    if (t.condition === 'ALL_UPDATED' && !t.table_names.every((name) => p.updated.has(name))) return;
    this.#changed(job, at);
  }

  #state(job: JobState): Pending {
    let p = this.#pending.get(job);
    if (!p) {
      p = {
        waiting: false,
        lastChange: 0,
        lastFire: Number.NEGATIVE_INFINITY,
        updated: new Set(),
        checkAt: undefined,
      };
      this.#pending.set(job, p);
    }
    return p;
  }

  #changed(job: JobState, at: number): void {
    const p = this.#state(job);
    p.waiting = true;
    p.lastChange = at;
    this.#check(job);
  }

  /** Fires once nothing changed for the wait and the minimum gap since the last fire has passed. */
  #check(job: JobState): void {
    const ctx = this.ctx;
    const p = this.#state(job);
    const t = job.settings.trigger;
    const setting = t?.file_arrival ?? t?.table_update;
    if (!p.waiting || !setting) return;
    const due = Math.max(
      p.lastChange + (setting.wait_after_last_change_seconds ?? 0) * 1000,
      p.lastFire + (setting.min_time_between_triggers_seconds ?? 0) * 1000,
    );
    if (due > ctx.now()) {
      if (p.checkAt !== undefined && p.checkAt <= due && p.checkAt > ctx.now()) return;
      p.checkAt = due;
      const epoch = this.#epochs.get(job);
      ctx.at(due, () => {
        if (this.#epochs.get(job) !== epoch) return;
        p.checkAt = undefined;
        this.#check(job);
      });
      return;
    }
    p.waiting = false;
    p.lastFire = ctx.now();
    p.updated.clear();
    this.fire(job, t?.file_arrival ? 'FILE_ARRIVAL' : 'TABLE');
  }
}
