import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { CollectorDeps } from './collector-deps.js';
import { asDegraded } from './monitoring-degraded.js';

/** Events asked for per page. */
const PAGE_SIZE = 100;
/**
 * Pages read for one pipeline in one poll. A log busier than this between two polls is read on over
 * the next polls from where this one stopped: the events come oldest first, so nothing is skipped.
 */
const MAX_PAGES_PER_POLL = 20;
/**
 * How far before the newest event read each read starts again. The log can record an event a little
 * after its timestamp (several share a millisecond; the data plane's arrive late). An event read twice,
 * in the overlap or on a page that repeats, is no later than its update's newest report: no gap.
 */
const OVERLAP_MS = 60_000;
/** Reports closer together than this are one tick of several flows, not a gap between two. */
const SAME_TICK_MS = 1_000;
/** Flow states that mean the flow moved data (`details.flow_progress.status`). */
const PROGRESS_STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'COMPLETED']);

/** Where the collector stands in one pipeline's event log, between polls (in `CollectorCache`). */
export interface PipelineEventCursor {
  /** The newest event time read; undefined until the first read succeeded. */
  readTo: number | undefined;
  /** Each update's newest progress report read (only the update in flight is kept between polls). */
  readonly lastProgress: Map<string, number>;
  /** Halved each time a page comes back unreadable (too large or malformed), down to one event. */
  pageSize: number;
}

/** What the event log says of one update in flight. */
export interface UpdateProgress {
  /** Its newest progress report: a `flow_progress` event, else its `update_progress` RUNNING, else its start. */
  readonly quietSince: number;
  /** Gaps between consecutive progress reports of one update, read this time. */
  readonly gaps: { updateId: string; at: number; seconds: number }[];
}

/**
 * A read of the event log that failed: the update is judged by its duration alone this time. The gaps
 * read before the failure still count.
 */
export interface ProgressUnavailable {
  readonly ok: false;
  readonly message: string;
  readonly gaps: UpdateProgress['gaps'];
}

/** Pipelines whose event log position is remembered; the oldest is forgotten past this. */
const CURSORS_REMEMBERED = 1_000;

/**
 * Reads the event log of the pipeline of an update in flight, from where the last read stopped (the
 * first read of a pipeline takes its newest page, for the gaps its recent updates left between progress
 * reports), and says when the update's flows last reported progress. A page that cannot be read is
 * reported and read again next time, with smaller pages; what was read before it is kept. A workspace
 * throttling or down fails the source, as the other reads of the poll do.
 */
export async function readUpdateProgress(
  deps: Pick<CollectorDeps, 'client'>,
  cursors: Map<string, PipelineEventCursor>,
  update: { readonly pipelineId: string; readonly updateId: string; readonly startTime: number },
): Promise<({ ok: true } & UpdateProgress) | ProgressUnavailable> {
  let cursor = cursors.get(update.pipelineId);
  if (cursor === undefined) {
    cursor = { readTo: undefined, lastProgress: new Map(), pageSize: PAGE_SIZE };
    if (cursors.size >= CURSORS_REMEMBERED) {
      const oldest = cursors.keys().next();
      if (!oldest.done) cursors.delete(oldest.value);
    }
    cursors.set(update.pipelineId, cursor);
  }
  const gaps: UpdateProgress['gaps'] = [];
  try {
    if (cursor.readTo === undefined) {
      // The newest page, newest first, read oldest first: the recent updates' cadence.
      const newest: unknown[] = [];
      for await (const e of deps.client.pipelines.pipelineEvents(update.pipelineId, {
        max_results: cursor.pageSize,
      })) {
        newest.push(e);
        if (newest.length >= cursor.pageSize) break;
      }
      for (const e of newest.reverse()) take(cursor, e, gaps);
      cursor.readTo ??= update.startTime;
    } else {
      // An idle pipeline's log since its last update holds nothing this update needs.
      const from = Math.max(cursor.readTo, update.startTime) - OVERLAP_MS;
      let read = 0;
      for await (const e of deps.client.pipelines.pipelineEvents(update.pipelineId, {
        max_results: cursor.pageSize,
        filter: `timestamp > '${new Date(from).toISOString()}'`,
        order_by: ['timestamp asc'],
      })) {
        take(cursor, e, gaps);
        read += 1;
        if (read >= cursor.pageSize * MAX_PAGES_PER_POLL) break;
      }
    }
  } catch (error) {
    if (asDegraded(error, 'pipelines') || !(error instanceof DatabricksApiError)) throw error;
    if (error.reason === 'INVALID_RESPONSE') cursor.pageSize = Math.max(1, Math.floor(cursor.pageSize / 2));
    return {
      ok: false,
      gaps,
      message: `The event log of pipeline ${update.pipelineId} could not be read (${error.code}: ${error.message}); update ${update.updateId} is judged by its duration until it can, and the read resumes where it stopped`,
    };
  } finally {
    forgetOld(cursor, update.updateId);
  }
  return { ok: true, quietSince: cursor.lastProgress.get(update.updateId) ?? update.startTime, gaps };
}

interface LoggedEvent {
  readonly timestamp?: string | undefined;
  readonly event_type?: string | undefined;
  readonly origin?: { readonly update_id?: string | undefined; readonly flow_name?: string | undefined };
  readonly details?: Record<string, unknown> | undefined;
}

/** Takes one event read into the cursor: a progress report later than its update's newest moves its clock. */
function take(cursor: PipelineEventCursor, raw: unknown, gaps: UpdateProgress['gaps']): void {
  const e = raw as LoggedEvent;
  const at = e.timestamp === undefined ? Number.NaN : Date.parse(e.timestamp);
  if (!Number.isFinite(at)) return;
  cursor.readTo = Math.max(cursor.readTo ?? at, at);
  const updateId = e.origin?.update_id;
  if (updateId === undefined || !isProgress(e)) return;
  const last = cursor.lastProgress.get(updateId);
  if (last !== undefined && at - last >= SAME_TICK_MS)
    gaps.push({ updateId, at, seconds: (at - last) / 1000 });
  if (last === undefined || at > last) cursor.lastProgress.set(updateId, at);
}

/** A flow that moved data, or the update beginning to run (the clock of its first report starts there). */
function isProgress(e: LoggedEvent): boolean {
  const details = e.details?.[e.event_type ?? ''] as
    | { status?: unknown; state?: unknown; metrics?: { num_output_rows?: unknown } }
    | undefined;
  if (e.event_type === 'flow_progress')
    return (
      (typeof details?.status === 'string' && PROGRESS_STATUSES.has(details.status)) ||
      typeof details?.metrics?.num_output_rows === 'number'
    );
  return e.event_type === 'update_progress' && details?.state === 'RUNNING';
}

/** Forgets the updates no longer in flight. */
function forgetOld(cursor: PipelineEventCursor, inFlight: string): void {
  for (const updateId of cursor.lastProgress.keys())
    if (updateId !== inFlight) cursor.lastProgress.delete(updateId);
}
