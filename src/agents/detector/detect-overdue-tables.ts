import { spanText } from '../../domain/duration.js';
import { utcMinute } from '../../domain/text.js';
import type { RowCountBaselines } from './detect-row-counts.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { TableSla } from './observations.js';
import { usualInterval } from './usual-start.js';

/** Loads of one table closer together than this are one write (several tasks of one run writing it). */
const SAME_WRITE_MS = 15 * 60_000;
/** The least time past its usual interval before a table is overdue. */
const MIN_MARGIN_MS = 30 * 60_000;
/**
 * A table unwritten for this many of its intervals has been retired or moved, not held back: it is
 * no longer told overdue, so an idle table does not hand the correlator a signal on every poll forever.
 */
const GIVE_UP_INTERVALS = 4;

/**
 * Tables held to no SLA whose writers have written them at a regular interval, learnt from their own
 * loads (`usualInterval` over the row-count baselines' load times), and not for that interval and a
 * quarter (half an hour at least) since: a `table_overdue` signal per stale spell, keyed by the write it
 * grew old from. Overdue alone is no incident (an idle table is nobody's problem); the signal only joins
 * an open incident about a failure upstream of the table, as the consequence a senior SRE names on it
 * ("downstream x not refreshed since 04:20, usually every 24 h"). A table written at no regular interval
 * (on demand, in bursts, by two writers on different cadences) is never overdue. Tables with an SLA are
 * judged by `detectSlaBreaches`.
 */
export function detectOverdueTables(
  rowCounts: RowCountBaselines,
  slas: readonly TableSla[],
  now: number,
  options: { readonly minHistoryRuns?: number } = {},
): DetectorOutput {
  const sink = new DetectorSink();
  const promised = new Set(slas.map((s) => `${s.workspaceId}:${s.table}`));
  for (const [key, writes] of writesByTable(rowCounts)) {
    if (promised.has(key)) continue;
    sink.guard(`table:${key}`, () => {
      const at = oneWriteEach(writes);
      const every = usualInterval(
        { samples: at.map((t) => ['', t, 0] as const) },
        options.minHistoryRuns ?? 5,
      );
      if (every === undefined) return;
      const last = at[at.length - 1]!;
      const due = Math.round(last + every + Math.max(MIN_MARGIN_MS, every / 4));
      if (now < due || now - last > GIVE_UP_INTERVALS * every) return;
      const at0 = key.indexOf(':');
      const workspaceId = key.slice(0, at0);
      const table = key.slice(at0 + 1);
      sink.emit(`table:${table}`, {
        dedupKey: `${workspaceId}:table-overdue:${table}:${last}`,
        workspaceId,
        kind: 'table_overdue',
        severityHint: 'P4',
        observedAt: now,
        occurredAt: due,
        subject: { type: 'table', id: table, name: table },
        refs: { tablesWritten: [table] },
        metrics: {
          lastRefreshedAt: last,
          usualIntervalMinutes: Math.round(every / 60_000),
          ageMinutes: Math.floor((now - last) / 60_000),
        },
        evidence: [
          {
            label: `Downstream ${table} not refreshed since ${utcMinute(last)} (usually every ${spanText(roughly(every))})`,
          },
        ],
      });
    });
  }
  return sink.output();
}

/** Every load time of each table (`workspace:table`), across its writers (`rowCountKey`: workspace:table:job/task). */
function writesByTable(rowCounts: RowCountBaselines): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, window] of Object.entries(rowCounts)) {
    // Table names hold no '/' and job ids no ':'.
    const writer = key.slice(0, key.indexOf('/'));
    const table = writer.slice(0, writer.lastIndexOf(':'));
    const times = out.get(table) ?? [];
    for (const [, at] of window.samples) times.push(at);
    out.set(table, times);
  }
  return out;
}

/** Load times in order, those within `SAME_WRITE_MS` of the one before folded into it. */
function oneWriteEach(times: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const prev = out[out.length - 1];
    if (prev !== undefined && t - prev < SAME_WRITE_MS) out[out.length - 1] = t;
    else out.push(t);
  }
  return out;
}

/** An interval as people say it: whole hours from two hours up, else to five minutes ("every 24 h", not "24 h 4 min"). */
function roughly(ms: number): number {
  const unit = ms >= 2 * 3_600_000 ? 3_600_000 : 5 * 60_000;
  return Math.max(unit, Math.round(ms / unit) * unit);
}
