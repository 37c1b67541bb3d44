import type { Thresholds } from '../../config/policy.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { TableLoadObservation, TableSla } from './observations.js';
import {
  median,
  outlierMads,
  outsideLogPrediction,
  recordSamples,
  type SampleWindow,
} from './sample-window.js';
import { nextDueAt } from './sla-due.js';

/**
 * Per writer of a table (`rowCountKey`): its recent loads as `[loadId, loadedAt, rowsWritten]`, zeros
 * included.
 */
export type RowCountBaselines = Readonly<Record<string, SampleWindow>>;

export interface RowCountOutput extends DetectorOutput {
  readonly baselines: RowCountBaselines;
}

/** Loads kept per table: enough for a month of daily loads plus a zero streak. */
export const ROW_COUNT_MAX_LOADS = 60;

/**
 * The baseline a load is judged against: the table as written by one job's task. A table written by
 * several jobs (a small privacy delete and a full rewrite, an hourly append and a nightly backfill) is
 * several feeds, each with its own usual size; one median over them calls every load of the smaller
 * feed a drop and of the larger a spike.
 */
export function rowCountKey(load: Pick<TableLoadObservation, 'workspaceId' | 'table' | 'jobId' | 'taskKey'>) {
  return `${load.workspaceId}:${load.table}:${load.jobId ?? ''}/${load.taskKey ?? ''}`;
}

/**
 * Row-count drops and spikes against the median of the writer's earlier non-empty loads (once it has
 * `min_history_runs` of them), and `zero_rows_consecutive` empty loads in a row. A single empty load is
 * not a drop: many loads are legitimately empty now and then; a streak is what breaks consumers. A
 * streak on a table an SLA depends on (the SLA's own table, or one its upstream jobs write) carries the
 * nearest such deadline after the load, so its incident's severity follows that SLA.
 */
export function detectRowCountAnomalies(
  loads: readonly TableLoadObservation[],
  baselines: RowCountBaselines,
  thresholds: Thresholds,
  now: number,
  slas: readonly TableSla[] = [],
): RowCountOutput {
  const sink = new DetectorSink();
  const next: Record<string, SampleWindow> = { ...baselines };
  const loadId = (l: TableLoadObservation) => `${l.runId}/${l.taskKey ?? ''}`;

  // Record first, so a streak spread over one batch is seen whole; judging looks only backwards in time.
  const byTable = new Map<string, TableLoadObservation[]>();
  for (const l of loads) byTable.set(rowCountKey(l), [...(byTable.get(rowCountKey(l)) ?? []), l]);
  for (const [key, tableLoads] of byTable) {
    const valid = tableLoads.filter((l) => Number.isSafeInteger(l.rowsWritten) && l.rowsWritten >= 0);
    next[key] = recordSamples(
      next[key],
      valid.map((l) => [loadId(l), l.loadedAt, l.rowsWritten] as const),
      ROW_COUNT_MAX_LOADS,
    );
  }

  for (const load of loads) {
    const key = rowCountKey(load);
    sink.guard(`table:${load.table}`, () => {
      if (!Number.isSafeInteger(load.rowsWritten))
        throw new Error(`rows_written ${load.rowsWritten} is not a count`);
      const id = loadId(load);
      const window = next[key]?.samples ?? [];
      const upTo = window.filter((s) => s[1] < load.loadedAt || s[0] === id);
      const earlier = upTo.filter((s) => s[0] !== id);
      const base = {
        workspaceId: load.workspaceId,
        observedAt: now,
        occurredAt: load.loadedAt,
        subject: { type: 'table' as const, id: load.table, name: load.table },
        refs: {
          ...(load.jobId !== undefined ? { jobId: load.jobId } : {}),
          runId: load.runId,
          ...(load.taskKey !== undefined ? { taskKey: load.taskKey } : {}),
          tablesWritten: [load.table],
        },
      };

      if (load.rowsWritten === 0) {
        let streak = 0;
        let first = id;
        for (let i = upTo.length - 1; i >= 0 && upTo[i]![2] === 0; i -= 1) {
          streak += 1;
          first = upTo[i]![0];
        }
        if (streak < thresholds.zero_rows_consecutive) return;
        // Empty loads are news only from a writer that usually writes rows: most of its loads before the
        // streak did. A maintenance task (`OPTIMIZE`, `VACUUM`) or a corrections feed logs empty loads
        // as its normal, and one whose every load remembered was empty has shown no usual to fall from.
        const before = upTo.slice(0, upTo.length - streak);
        if (before.filter((s) => s[2] > 0).length * 2 <= before.length) return;
        const sla = downstreamSla(load, slas);
        sink.emit(`table:${load.table}`, {
          ...base,
          dedupKey: `${load.workspaceId}:zero-rows:${load.table}:${first}`,
          kind: 'zero_rows',
          severityHint: 'P2',
          metrics: {
            consecutiveZeroLoads: streak,
            ...(sla !== undefined ? { deadline: sla.deadline } : {}),
          },
          evidence: [
            {
              label: `${streak} loads in a row wrote no rows${
                sla !== undefined ? `; ${sla.table} has a freshness SLA downstream` : ''
              }`,
            },
          ],
        });
        return;
      }

      const history = earlier.map((s) => s[2]).filter((v) => v > 0);
      if (history.length < thresholds.min_history_runs) return;
      // A window kept to its newest loads has let the ones before the oldest it holds go: a first poll
      // reading a day back of a 15-minute writer meets loads with a handful before them, a baseline
      // that is neither young nor the writer's. Those loads are older than what the baseline remembers.
      const truncated = window.length >= ROW_COUNT_MAX_LOADS;
      if (truncated && history.length < 2 * thresholds.min_history_runs) return;
      const med = median(history);
      const ratio = load.rowsWritten / med;
      const fewest = Math.min(...history);
      const most = Math.max(...history);
      // A change must clear the threshold and the table's own noise: with ±15 % jitter a 20 % dip is
      // ordinary, and paging someone for it teaches them to ignore the bot. Either the load lies beyond
      // the prediction bound of the loads before it (`outlierMads`), or, while they are few, past the
      // threshold beyond the range they ever reached: a real drop that a handful of noisy loads cannot
      // yet tell from noise ("under the fewest rows this job ever wrote, by more than the threshold").
      // Row counts are counts: they vary at least as a Poisson count does (a standard deviation of √n,
      // 1.4826 MADs), however alike a few loads of a small feed happen to be — five loads of 6 rows, one
      // of 3, are no drop.
      const mad = Math.max(median(history.map((v) => Math.abs(v - med))), Math.sqrt(med) / 1.4826);
      const distance = Math.abs(load.rowsWritten - med);
      // A short baseline's MAD can come out small by chance (three of five loads alike, or six of a
      // ±15 % feed that happened to run high: MAD 2 % of the median), and then even its wide bound (9 MADs
      // for six loads) calls an ordinary load of the feed's own spread a drop. So while the baseline is
      // short the bound does not judge; a longer one may hold an earlier real drop in its range, so there
      // the bound alone judges.
      const short = history.length < 2 * thresholds.min_history_runs;
      const beyondNoise = !short && distance > outlierMads(history.length) * mad;
      // While the baseline is short, a change must be so both relatively and statistically: past the
      // threshold beyond every load it holds, and outside what so few loads cannot rule out as the feed's
      // own spread (`outsideLogPrediction`, never narrower than a Poisson count's). Being under the fewest
      // of seven loads is one chance in eight, and a few loads that bunched say little of how far the feed
      // goes: seven of a ±30 % feed that all fell between 2,395 and 3,254 rows put its floor at 1,916 by
      // the range alone, and a load of 1,821, within the feed's spread, paged as a drop.
      const pastRange = (beyond: boolean) =>
        short && beyond && outsideLogPrediction(history, load.rowsWritten, 1 / Math.sqrt(med));
      const drop =
        ratio < 1 - thresholds.row_count_drop &&
        (beyondNoise || pastRange(load.rowsWritten < fewest * (1 - thresholds.row_count_drop)));
      const spike =
        ratio >= thresholds.row_count_spike &&
        (beyondNoise || pastRange(load.rowsWritten > most * thresholds.row_count_spike));
      if (!drop && !spike) return;
      sink.emit(`table:${load.table}`, {
        ...base,
        dedupKey: `${load.workspaceId}:rows:${load.table}:${id}`,
        kind: drop ? 'row_count_drop' : 'row_count_spike',
        severityHint: 'P3',
        metrics: {
          rowsWritten: load.rowsWritten,
          medianRows: Math.round(med),
          ratio: Math.round(ratio * 1000) / 1000,
        },
        evidence: [
          {
            label: drop
              ? `Wrote ${load.rowsWritten} rows, ${Math.round((1 - ratio) * 100)}% below the usual ${Math.round(med)}`
              : `Wrote ${load.rowsWritten} rows, ${ratio.toFixed(1)}× the usual ${Math.round(med)}`,
          },
        ],
      });
    });
  }
  return { ...sink.output(), baselines: next };
}

/** The SLA downstream of a load with the nearest deadline after it, if any. */
function downstreamSla(
  load: TableLoadObservation,
  slas: readonly TableSla[],
): { readonly table: string; readonly deadline: number } | undefined {
  let nearest: { table: string; deadline: number } | undefined;
  for (const sla of slas) {
    if (sla.workspaceId !== load.workspaceId) continue;
    const feeds =
      sla.table === load.table || (load.jobId !== undefined && sla.upstreamJobIds.includes(load.jobId));
    if (!feeds) continue;
    const next = nextDueAt(sla, load.loadedAt, load.loadedAt);
    if (nearest === undefined || next < nearest.deadline) nearest = { table: sla.table, deadline: next };
  }
  return nearest;
}
