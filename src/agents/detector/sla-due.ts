import type { TableSla } from './observations.js';
import { deadlinesAround } from '../../domain/zoned-time.js';

/**
 * When the table of `sla` is next due, seen at `at`: its next daily deadline after `at`, or for a
 * maximum-age SLA the moment the write at `writtenAt` (its last refresh, else `at`) grows older than the
 * maximum age — in the past already when the table is overdue.
 */
export function nextDueAt(
  sla: Pick<TableSla, 'deadline' | 'timezone' | 'maxAgeMinutes' | 'lastRefreshedAt'>,
  at: number,
  writtenAt: number = sla.lastRefreshedAt ?? at,
): number {
  if (sla.deadline !== undefined) return deadlinesAround(at, sla.deadline, sla.timezone).next;
  return writtenAt + (sla.maxAgeMinutes ?? 0) * 60_000;
}
