/**
 * Failure wording as Databricks, Spark and Python really word it, so that classifiers trained on real
 * messages work on simulated ones. Each returns what `runs/get` (state message), `runs/get-output`
 * (`error`, `error_trace`) and the termination details show.
 */
export interface TaskFailure {
  /** REST `state.result_state`. */
  result: 'FAILED' | 'TIMEDOUT' | 'CANCELED';
  /** REST `status.termination_details.code` (also the system-table termination_code). */
  code: string;
  /** REST `status.termination_details.type`. */
  type: 'CLIENT_ERROR' | 'INTERNAL_ERROR' | 'CLOUD_FAILURE' | 'SUCCESS';
  error: string;
  errorTrace: string;
}

const trace = (head: string, frames: string[]) => [head, ...frames.map((f) => `\tat ${f}`)].join('\n');

/** A Spark stage failure, as the task's error and its trace through the DAG scheduler. */
const stageFailure = (error: string, frames: string[]): TaskFailure => ({
  result: 'FAILED',
  code: 'RUN_EXECUTION_ERROR',
  type: 'CLIENT_ERROR',
  error,
  errorTrace: trace(error, frames),
});

export function oomFailure(): TaskFailure {
  const error = 'java.lang.OutOfMemoryError: Java heap space';
  return {
    result: 'FAILED',
    code: 'DRIVER_ERROR',
    type: 'INTERNAL_ERROR',
    error,
    errorTrace: trace(error, [
      'java.util.Arrays.copyOf(Arrays.java:3236)',
      'org.apache.spark.sql.execution.SparkPlan.executeCollect(SparkPlan.scala:467)',
      'org.apache.spark.sql.Dataset.collectToPython(Dataset.scala:4215)',
    ]),
  };
}

export function timeoutFailure(timeoutSeconds: number): TaskFailure {
  const error = `Run timed out after ${timeoutSeconds} seconds.`;
  return { result: 'TIMEDOUT', code: 'CANCELED', type: 'CLIENT_ERROR', error, errorTrace: '' };
}

export function tableNotFoundFailure(table: string): TaskFailure {
  const quoted = table
    .split('.')
    .map((p) => `\`${p}\``)
    .join('.');
  const error = `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${quoted} cannot be found. Verify the spelling and correctness of the schema and catalog.
If you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.
To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01`;
  return pythonFailure('AnalysisException', error);
}

export function customFailure(message: string): TaskFailure {
  return {
    result: 'FAILED',
    code: 'RUN_EXECUTION_ERROR',
    type: 'CLIENT_ERROR',
    error: message,
    errorTrace: `---------------------------------------------------------------------------\n${message}\n  File "<command-1234567890>", line 42, in <module>`,
  };
}

function pythonFailure(pyClass: string, message: string): TaskFailure {
  return {
    result: 'FAILED',
    code: 'RUN_EXECUTION_ERROR',
    type: 'CLIENT_ERROR',
    error: `${pyClass}: ${message}`,
    errorTrace: [
      '---------------------------------------------------------------------------',
      `${pyClass}                         Traceback (most recent call last)`,
      'File <command-3551942519418893>, line 12',
      '---> 12 df = spark.read.table(source_table)',
      `File /databricks/spark/python/pyspark/errors/exceptions/captured.py:261, in capture_sql_exception.<locals>.deco(*a, **kw)`,
      `${pyClass}: ${message}`,
    ].join('\n'),
  };
}

export function concurrentAppendFailure(table: string): TaskFailure {
  return pythonFailure(
    'ConcurrentAppendException',
    `[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update. Please try the operation again.
Conflicting commit: {"timestamp":1763712000000,"operation":"WRITE","operationParameters":{"mode":"Append"},"isBlindAppend":true}
Refer to https://docs.databricks.com/delta/concurrency-control.html for more details. Table: ${table}`,
  );
}

export function insufficientPermissionsFailure(table: string, privilege: string): TaskFailure {
  return pythonFailure(
    'AnalysisException',
    `[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have ${privilege} on Table '${table}'. SQLSTATE: 42501`,
  );
}

/**
 * A run whose run-as principal may no longer use an object it needs: attach to the all-purpose cluster its
 * task runs on, run the job its `run_job_task` starts, or start the pipeline its pipeline task updates.
 * Worded as the workspace ACL service words its refusals ("… does not have Manage permissions on
 * TestCluster. Please contact the owner or an administrator for access.", "User … does not have View or
 * Admin or Manage Run or Owner permissions on job …"), ending `UNAUTHORIZED_ERROR`.
 */
export function objectPermissionFailure(
  principal: string,
  object: { type: 'cluster' | 'job' | 'pipeline'; name: string; id: string },
): TaskFailure {
  const error =
    object.type === 'cluster'
      ? `${principal} does not have Attach permissions on ${object.name}. Please contact the owner or an administrator for access.`
      : object.type === 'job'
        ? `User ${principal} does not have Admin or Manage Run or Owner permissions on job ${object.id}`
        : `User ${principal} does not have Admin or Run or Owner permissions on pipeline ${object.id}`;
  return { result: 'FAILED', code: 'UNAUTHORIZED_ERROR', type: 'CLIENT_ERROR', error, errorTrace: '' };
}

export interface ClusterTermination {
  code: string;
  type: 'CLOUD_FAILURE' | 'CLIENT_ERROR' | 'SERVICE_FAULT' | 'SUCCESS';
  parameters: Record<string, string>;
}

export function capacityTermination(cloud: string, nodeType: string): ClusterTermination {
  if (cloud === 'AWS') {
    return {
      code: 'AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE',
      type: 'CLOUD_FAILURE',
      parameters: {
        aws_api_error_code: 'InsufficientInstanceCapacity',
        aws_error_message: `We currently do not have sufficient ${nodeType} capacity in the Availability Zone you requested (us-east-1a). Our system will be working on provisioning additional capacity. You can currently get ${nodeType} capacity by not specifying an Availability Zone in your request or choosing us-east-1b, us-east-1c, us-east-1d.`,
      },
    };
  }
  if (cloud === 'GCP') {
    return {
      code: 'CLOUD_PROVIDER_RESOURCE_STOCKOUT',
      type: 'CLOUD_FAILURE',
      parameters: {
        gcp_error_code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
        gcp_error_message: `The zone 'projects/dbx-workspace/zones/us-central1-a' does not have enough resources available to fulfill the request (${nodeType}). Try a different zone, or try again later.`,
      },
    };
  }
  return {
    code: 'AZURE_QUOTA_EXCEEDED_EXCEPTION',
    type: 'CLOUD_FAILURE',
    parameters: {
      azure_error_code: 'OperationNotAllowed',
      azure_error_message: `Operation could not be completed as it results in exceeding approved standardDSv2Family Cores quota. Node type ${nodeType}.`,
    },
  };
}

export function clusterLaunchFailure(clusterId: string, t: ClusterTermination): TaskFailure {
  const params = JSON.stringify(t.parameters);
  const error = `Cluster '${clusterId}' was terminated. Reason: ${t.code} (${t.type}). Parameters: ${params}.`;
  return { result: 'FAILED', code: 'CLUSTER_ERROR', type: 'CLOUD_FAILURE', error, errorTrace: '' };
}

/**
 * The reason a cluster event gives when the cloud reclaims spot nodes (`NODES_LOST`, or `TERMINATING`
 * for a cluster whose driver was spot), with the instance and the cloud's own words.
 */
export function spotTermination(cloud: string, nodeType: string, clusterId: string): ClusterTermination {
  const instance = `i-0${clusterId
    .replace(/[^0-9a-f]/g, '')
    .slice(-16)
    .padStart(16, '7')}`;
  if (cloud === 'AZURE') {
    return {
      code: 'SPOT_INSTANCE_TERMINATION',
      type: 'CLOUD_FAILURE',
      parameters: {
        instance_id: instance,
        azure_error_code: 'SpotVMEvicted',
        azure_error_message: `The Spot VM (${nodeType}) has been evicted because Azure needed the capacity back.`,
      },
    };
  }
  if (cloud === 'GCP') {
    return {
      code: 'SPOT_INSTANCE_TERMINATION',
      type: 'CLOUD_FAILURE',
      parameters: {
        instance_id: instance,
        gcp_error_message: `Instance was preempted: ${nodeType} preemptible capacity was reclaimed by Compute Engine.`,
      },
    };
  }
  return {
    code: 'SPOT_INSTANCE_TERMINATION',
    type: 'CLOUD_FAILURE',
    parameters: {
      instance_id: instance,
      aws_instance_state_reason: 'Server.SpotInstanceTermination',
      aws_error_message: `Server.SpotInstanceTermination: Spot instance ${instance} (${nodeType}) was terminated because EC2 needed the capacity back.`,
    },
  };
}

/**
 * What a task on a shared cluster reports when the cloud reclaimed the cluster's spot nodes under it:
 * its executors lost (the stage fails after its retries), or, when the driver itself was spot, the
 * driver gone.
 */
export function spotReclaimFailure(clusterId: string, driver: boolean): TaskFailure {
  if (driver) {
    const error = `The spark driver has stopped unexpectedly and is restarting. Your notebook will be automatically reattached.\nCluster ${clusterId}: the driver node was lost (SPOT_INSTANCE_TERMINATION).`;
    return { result: 'FAILED', code: 'CLUSTER_ERROR', type: 'CLOUD_FAILURE', error, errorTrace: '' };
  }
  const error = `org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 118.0 failed 4 times, most recent failure: Lost task 3.3 in stage 118.0 (TID 2211) (10.139.64.12 executor 5): ExecutorLostFailure (executor 5 exited caused by one of the running tasks) Reason: Executor decommission: worker decommissioned because of spot instance termination (SPOT_INSTANCE_TERMINATION) on cluster ${clusterId}.`;
  return stageFailure(error, [
    'org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:3628)',
    'org.apache.spark.scheduler.DAGScheduler.$anonfun$abortStage$2(DAGScheduler.scala:3559)',
  ]);
}

/**
 * A failure with the scenario's own wording (a fault's `message`) in place of the kind's default: the
 * result and termination code stay the kind's, so the run still ends the way that kind ends.
 */
export function withMessage(failure: TaskFailure, message: string | undefined): TaskFailure {
  if (message === undefined) return failure;
  return { ...failure, error: message, errorTrace: failure.errorTrace === '' ? '' : message };
}

/** The statement a runaway_query fault runs unless the scenario gives its own (`query`). */
export const RUNAWAY_QUERY_DEFAULT = {
  text: 'SELECT e.*, s.* FROM main.marketing.events e CROSS JOIN main.marketing.sessions s WHERE e.event_date >= date_sub(current_date(), 365)',
  readBytes: 2.4e12,
} as const;

/** `system.query.history.statement_type` of a statement's text: its first keyword (a CTE is a SELECT). */
export function statementTypeOf(text: string): string {
  const first = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SELECT';
  return ['INSERT', 'MERGE', 'UPDATE', 'DELETE', 'CREATE', 'OPTIMIZE', 'COPY'].includes(first)
    ? first
    : 'SELECT';
}

export function spotLossFailure(): TaskFailure {
  const error =
    'org.apache.spark.SparkException: Job aborted due to stage failure: Task 17 in stage 42.0 failed 4 times, most recent failure: Lost task 17.3 in stage 42.0 (TID 1093) (10.68.12.34 executor 3): ExecutorLostFailure (executor 3 exited caused by one of the running tasks) Reason: Executor lost: worker decommissioned because of spot instance termination (SPOT_INSTANCE_TERMINATION).';
  return stageFailure(error, [
    'org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:3628)',
  ]);
}

export function driverUnresponsiveFailure(): TaskFailure {
  const error =
    'The spark driver has stopped unexpectedly and is restarting. Your notebook will be automatically reattached.';
  return { result: 'FAILED', code: 'DRIVER_ERROR', type: 'INTERNAL_ERROR', error, errorTrace: '' };
}

export function backgroundFailure(pick: number): TaskFailure {
  const options = [
    () => pythonFailure('KeyError', "'customer_id'"),
    () => pythonFailure('ZeroDivisionError', 'division by zero'),
    () =>
      pythonFailure(
        'Py4JJavaError',
        'An error occurred while calling o412.save.\n: org.apache.spark.SparkException: [TASK_WRITE_FAILED] Task failed while writing rows to s3://lake/tmp.',
      ),
  ];
  return options[Math.floor(pick * options.length) % options.length]!();
}

export const PIPELINE_ERROR_DEFAULT =
  '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `amount_usd` cannot be resolved. Did you mean one of the following? [`amount`, `currency`]. SQLSTATE: 42703';
