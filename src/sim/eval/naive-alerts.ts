import { runScenario } from '../run-scenario.js';
import type { Scenario } from '../scenario/schema.js';
import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';

const FAILED_OR_SKIPPED = new Set(['FAILED', 'TIMED_OUT', 'ERROR', 'SKIPPED']);

/** Counts the timeline rows a per-run notification would fire for, and keeps nothing else. */
class NaiveAlertSink implements SystemTableSink {
  count = 0;
  /** Rows of periods that ended before this are the scenario's history, which nobody is scored on. */
  readonly #from: number;

  constructor(from: number) {
    this.#from = from;
  }

  append(table: SinkTableName, rows: readonly SystemTableRow[]): void {
    const fires =
      table === 'lakeflow.job_run_timeline' || table === 'lakeflow.job_task_run_timeline'
        ? (r: SystemTableRow) => FAILED_OR_SKIPPED.has(String(r.result_state))
        : table === 'lakeflow.pipeline_update_timeline'
          ? (r: SystemTableRow) => r.result_state === 'FAILED'
          : undefined;
    if (fires === undefined) return;
    for (const row of rows) if (fires(row) && Number(row.period_end_time) >= this.#from) this.count++;
  }

  async flush(): Promise<void> {}
}

/**
 * What one notification per failed or skipped run would have sent: every job run and every task run
 * (each retry attempt is a run of its own) that failed, timed out, errored or was skipped, and every
 * failed pipeline update — what a workspace sends with notifications on every job and task.
 *
 * Only the scenario's scored window counts, not its history. Counted on the same seeded workspace played with nobody acting on it: the baseline is the workspace
 * as it is without dbxops. Counting in the evaluated replay instead would make every fix the simulated
 * responder makes (a failure that then does not recur) look like noise dbxops failed to save.
 */
export async function countNaiveAlerts(scenario: Scenario, seed: number, until: number): Promise<number> {
  const sink = new NaiveAlertSink(Date.parse(scenario.start));
  await runScenario({ scenario, seed, sink, until });
  return sink.count;
}
