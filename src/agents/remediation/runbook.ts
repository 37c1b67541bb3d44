import {
  type PlannedCall,
  pipelineCallOf,
  type RemediationPlan,
  repairCallOf,
  type VerifySpec,
} from './plan-remediation.js';

/** What the runbook entry needs besides the plan. */
export interface RunbookContext {
  readonly incidentId: string;
  /** The workspace origin, written into the commands (the token never is: it stays in the environment). */
  readonly host: string;
  /** Who to page when the fix does not hold (the policy's on-call mention, or a team name). */
  readonly escalateTo: string;
  readonly maxAttempts: number;
}

/** A shell word: single-quoted, with embedded quotes closed, escaped and reopened. */
const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The call as a `databricks` CLI command: a pipeline's stop and start-update as their own commands
 * (full refresh off, as the plan sends it), anything else as `databricks api` with exactly the
 * method, path and JSON body of the plan.
 */
function cliCommand(call: PlannedCall): string {
  const pipeline = pipelineCallOf(call);
  if (pipeline !== undefined) {
    const id = shellQuote(pipeline.pipelineId);
    return pipeline.what === 'stop'
      ? `databricks pipelines stop ${id}`
      : `databricks pipelines start-update ${id} --full-refresh=false`;
  }
  const body = call.body === undefined ? '' : ` --json ${shellQuote(JSON.stringify(call.body))}`;
  return `databricks api ${call.method.toLowerCase()} ${shellQuote(call.path)}${body}`;
}

/** The call as curl; the token is read from `$DATABRICKS_TOKEN` when the command runs. */
function curlCommand(call: PlannedCall, host: string): string {
  const parts = [
    `curl -sS -X ${call.method} "${host.replace(/[^A-Za-z0-9.:/_-]/g, '')}${call.path.replace(/[^A-Za-z0-9._~/?=&%-]/g, '')}"`,
    `-H "Authorization: Bearer $DATABRICKS_TOKEN"`,
  ];
  if (call.body !== undefined)
    parts.push(`-H 'Content-Type: application/json'`, `-d ${shellQuote(JSON.stringify(call.body))}`);
  return parts.join(' \\\n  ');
}

/** The read that shows whether the fix held. */
function validationCall(verify: VerifySpec): PlannedCall | undefined {
  switch (verify.target) {
    case 'run':
      return verify.runId === undefined
        ? undefined
        : { method: 'GET', path: `/api/2.2/jobs/runs/get?run_id=${verify.runId}&include_history=true` };
    case 'warehouse':
      return { method: 'GET', path: `/api/2.0/sql/warehouses/${encodeURIComponent(verify.warehouseId)}` };
    case 'cluster':
      return {
        method: 'GET',
        path: `/api/2.1/clusters/get?cluster_id=${encodeURIComponent(verify.clusterId)}`,
      };
    case 'statement':
      return {
        method: 'GET',
        path: `/api/2.0/sql/history/queries?filter_by.statement_ids=${encodeURIComponent(verify.statementId)}`,
      };
    case 'pipeline_update':
      return { method: 'GET', path: `/api/2.0/pipelines/${encodeURIComponent(verify.pipelineId)}` };
    case 'job_settings':
      return { method: 'GET', path: `/api/2.2/jobs/get?job_id=${verify.jobId}` };
    case 'none':
      return undefined;
  }
}

const EXPECTED: Record<VerifySpec['target'], string> = {
  run: 'the run ends with result_state SUCCESS (a cancelled run: life_cycle_state TERMINATED)',
  warehouse:
    'state is RUNNING (and cluster_size the new size, after a scale; auto_stop_mins the new value, after auto-stop is set)',
  cluster: 'state goes RESTARTING, then RUNNING',
  statement: 'the statement is no longer RUNNING (CANCELED)',
  pipeline_update:
    'the stopped update reads CANCELED in latest_updates, and the new one above it reaches COMPLETED (a continuous pipeline: RUNNING, with its tables refreshed again)',
  job_settings: 'the settings read back as sent',
  none: 'the owner answers in the thread',
};

/**
 * The runbook entry for one remediation, posted in the incident's thread and stored with the attempt:
 * copy-paste `databricks` CLI and `curl` commands for what dbxops does, how to check it worked, how to
 * roll it back, and when to escalate. Commands name `$DATABRICKS_TOKEN`, never a token.
 */
export function renderRunbook(plan: RemediationPlan, context: RunbookContext): string {
  const lines: string[] = [`Runbook: ${plan.title} (incident ${context.incidentId}, risk ${plan.risk})`, ''];
  if (plan.calls.length === 0) {
    lines.push('What dbxops does: no Databricks call.', plan.notify?.text ?? '', '');
  } else {
    lines.push('What dbxops runs (the same by hand, with DATABRICKS_HOST and DATABRICKS_TOKEN set):');
    for (const [i, call] of plan.calls.entries()) {
      lines.push(cliCommand(call));
      // A stop is asynchronous: a new update, or a repair of the run the update belonged to, is refused
      // until what it stopped has ended.
      const stopped = pipelineCallOf(call);
      const next = plan.calls[i + 1];
      if (stopped?.what === 'stop' && next !== undefined) {
        const repaired = repairCallOf(next)?.runId;
        lines.push(
          repaired === undefined
            ? `# wait until the stopped update reads CANCELED: databricks pipelines get ${shellQuote(stopped.pipelineId)}`
            : `# wait until run ${String(repaired)} has ended (life_cycle_state TERMINATED): databricks jobs get-run ${String(repaired)}`,
        );
      }
    }
    lines.push('', 'or with curl:');
    for (const call of plan.calls) lines.push(curlCommand(call, context.host));
    lines.push('');
  }
  const check = validationCall(plan.verify);
  lines.push(`How to validate: ${EXPECTED[plan.verify.target]}.`);
  if (check !== undefined) lines.push(cliCommand(check));
  lines.push('', `How to roll back: ${plan.rollback}`);
  for (const call of plan.rollbackCalls) lines.push(cliCommand(call));
  lines.push(
    '',
    `When to escalate: if the verification fails again, or after ${context.maxAttempts} attempts on this incident, page ${context.escalateTo} with the errors and the fixes tried (dbxops posts them).`,
  );
  if (plan.destructive)
    lines.push(
      'This action is destructive: never send it twice; if its outcome is unclear, check the state first.',
    );
  return lines.join('\n');
}
