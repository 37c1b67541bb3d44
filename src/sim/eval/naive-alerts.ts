import { runScenario } from '../run-scenario.js';
import type { Scenario } from '../scenario/schema.js';
import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';

/**
 * Run ends a job's or task's `on_failure` notification goes out for, as Databricks sends it by default:
 * failed, timed out or errored; skipped and cancelled too, unless the job or task mutes them
 * (`notification_settings.no_alert_for_skipped_runs` / `no_alert_for_canceled_runs`, both off by
 * default, and no scenario sets them — the simulator sends `jobs.on_failure` for a cancelled run).
 */
const NOTIFIED_RUN_ENDS = new Set(['FAILED', 'TIMED_OUT', 'ERROR', 'SKIPPED', 'CANCELLED']);

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
        ? (r: SystemTableRow) => NOTIFIED_RUN_ENDS.has(String(r.result_state))
        : table === 'lakeflow.pipeline_update_timeline'
          ? (r: SystemTableRow) => r.result_state === 'FAILED'
          : undefined;
    if (fires === undefined) return;
    for (const row of rows) if (fires(row) && Number(row.period_end_time) >= this.#from) this.count++;
  }

  async flush(): Promise<void> {}
}

/**
 * What one notification per failed, skipped or cancelled run would have sent: every job run and every
 * task run (each retry attempt is a run of its own) that failed, timed out, errored, was skipped or was
 * cancelled, and every failed pipeline update — what a workspace sends with `on_failure` notifications
 * on every job and task and Databricks' defaults otherwise. A run its owner cancelled counts: Databricks
 * notifies it unless `no_alert_for_canceled_runs` is set, and dbxops staying quiet about it is exactly
 * the noise it saves. A run or update running long notifies nothing: that takes a `RUN_DURATION_SECONDS`
 * health rule, which no simulated job has (nor a streaming backlog rule).
 *
 * Only the scenario's scored window counts, not its history. Counted on the same seeded workspace
 * played with nobody acting on it: the baseline is the workspace as it is without dbxops. Counting in the evaluated replay instead would make every fix the simulated
 * responder makes (a failure that then does not recur) look like noise dbxops failed to save.
 */
export async function countNaiveAlerts(scenario: Scenario, seed: number, until: number): Promise<number> {
  const sink = new NaiveAlertSink(Date.parse(scenario.start));
  await runScenario({ scenario, seed, sink, until });
  return sink.count;
}
