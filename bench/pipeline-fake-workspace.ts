/**
 * The edge of the pipeline benchmark: a generated 100,000-job topology served the way a Databricks
 * workspace serves it — Jobs 2.2 over HTTP on loopback (`jobs/list`, `jobs/get`, `runs/get`,
 * `runs/get-output`) and `system.access.table_lineage` through the `Warehouse` interface. Nothing is
 * stored per run: a run id encodes its job and outcome, so any number of run events cost no memory here.
 * With `--workspaces N` there are N of them, each on its own port with its own id and tables.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WatchedWorkspace } from '../src/app/bot-app.js';
import { patAuth } from '../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../src/databricks/rest/databricks-client.js';
import type { QueryResult, Warehouse } from '../src/databricks/warehouse.js';
import { systemClock } from '../src/domain/clock.js';

/** The id of the `index`th fake workspace (0-based); the first keeps the id it always had. */
export const workspaceIdOf = (index: number) => String(5_555_555_555_555_555 + index);
/** The Basic credentials the `index`th workspace's webhook deliveries carry (its own, as `workspaces` entries have). */
export const webhookAuthOf = (index: number) => ({
  username: index === 0 ? 'dbxops' : `dbxops-ws${index}`,
  password: index === 0 ? 'bench-webhook-secret' : `bench-webhook-secret-${index}`,
});
const TEAMS = ['finance', 'marketing', 'sales', 'supply_chain', 'data_platform'] as const;
/** Jobs per pipeline: a small tree (each job reads the table of the job before it). */
const PIPELINE = 10;
const START = Date.UTC(2026, 10, 20);

export interface FakeWorkspace {
  readonly url: string;
  readonly jobs: number;
  /** A run id for `job` (0-based index) that failed or succeeded; distinct for distinct `seq`. */
  runId(job: number, seq: number, failed: boolean): number;
  jobId(job: number): number;
  close(): Promise<void>;
}

const jobIdOf = (index: number) => 1_000_000 + index;
const teamOf = (index: number) => TEAMS[Math.floor(index / PIPELINE) % TEAMS.length] ?? 'finance';
/** Each workspace its own catalog (the first `main`): no two workspaces' topologies share a table name. */
const catalogOf = (workspace: number) => (workspace === 0 ? 'main' : `ws${workspace}`);
const tableOf = (workspace: number, index: number) => `${catalogOf(workspace)}.${teamOf(index)}.t_${index}`;
/** Upstream job in the same pipeline, or undefined for a pipeline's first job. */
function parentOf(index: number): number | undefined {
  const k = index % PIPELINE;
  return k === 0 ? undefined : index - k + Math.floor((k - 1) / 3);
}

function jobJson(index: number) {
  const team = teamOf(index);
  return {
    job_id: jobIdOf(index),
    creator_user_name: `${team}-sp@example.com`,
    created_time: START - 86_400_000,
    settings: {
      name: `${team}_job_${index}`,
      tags: { team, criticality: index % 20 === 0 ? 'financial-critical' : 'standard' },
      tasks: [
        { task_key: 'extract', job_cluster_key: 'c', max_retries: 0 },
        {
          task_key: 'transform',
          job_cluster_key: 'c',
          depends_on: [{ task_key: 'extract' }],
          max_retries: 0,
        },
      ],
      job_clusters: [{ job_cluster_key: 'c', new_cluster: { node_type_id: 'm5.xlarge', num_workers: 2 } }],
      schedule: { quartz_cron_expression: `0 ${index % 60} * * * ?`, timezone_id: 'UTC' },
    },
  };
}

/** Decodes what `runId` encodes: job index, sequence, outcome (task run ids add 1 or 2 × 2^40). */
function decodeRun(runId: number, jobs: number) {
  const base = runId % 2 ** 40;
  const failed = base % 2 === 1;
  const job = Math.floor(base / 2) % jobs;
  return { base, failed, job };
}

function runJson(runId: number, jobs: number) {
  const { base, failed, job } = decodeRun(runId, jobs);
  const start = START + (base % 86_400) * 1000;
  const end = start + 600_000;
  const task = (key: string, n: number, result: string, deps: string[]) => ({
    task_key: key,
    run_id: base + n * 2 ** 40,
    attempt_number: 0,
    state: {
      life_cycle_state: 'TERMINATED',
      result_state: result,
      state_message: result === 'FAILED' ? 'Workload failed, see run output for details' : '',
    },
    status: {
      state: 'TERMINATED',
      termination_details: {
        code: result === 'FAILED' ? 'RUN_EXECUTION_ERROR' : 'SUCCESS',
        type: result === 'FAILED' ? 'CLIENT_ERROR' : 'SUCCESS',
        message: '',
      },
    },
    start_time: start,
    end_time: end,
    depends_on: deps.map((task_key) => ({ task_key })),
    cluster_instance: { cluster_id: `0101-000000-c${job}` },
  });
  return {
    job_id: jobIdOf(job),
    run_id: base,
    run_name: `${teamOf(job)}_job_${job}`,
    creator_user_name: `${teamOf(job)}-sp@example.com`,
    trigger: 'PERIODIC',
    run_type: 'JOB_RUN',
    start_time: start,
    end_time: end,
    run_page_url: `https://dbc-bench.cloud.databricks.com/jobs/${jobIdOf(job)}/runs/${base}`,
    state: {
      life_cycle_state: 'TERMINATED',
      result_state: failed ? 'FAILED' : 'SUCCESS',
      state_message: failed ? 'Task transform failed with message: workload failed' : '',
    },
    status: {
      state: 'TERMINATED',
      termination_details: {
        code: failed ? 'RUN_EXECUTION_ERROR' : 'SUCCESS',
        type: failed ? 'CLIENT_ERROR' : 'SUCCESS',
        message: '',
      },
    },
    tasks: [
      task('extract', 1, 'SUCCESS', []),
      task('transform', 2, failed ? 'FAILED' : 'SUCCESS', ['extract']),
    ],
  };
}

/** Starts the fake workspace on 127.0.0.1, a free port. */
export async function startFakeWorkspace(jobs: number): Promise<FakeWorkspace> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const id = Number(url.searchParams.get('run_id') ?? url.searchParams.get('job_id'));
    switch (url.pathname) {
      case '/api/2.2/jobs/list': {
        const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
        const offset = Number(url.searchParams.get('page_token') ?? 0);
        const page = Array.from({ length: Math.max(0, Math.min(limit, jobs - offset)) }, (_, i) =>
          jobJson(offset + i),
        );
        const more = offset + limit < jobs;
        return send(200, {
          jobs: page,
          has_more: more,
          ...(more ? { next_page_token: String(offset + limit) } : {}),
        });
      }
      case '/api/2.2/jobs/get': {
        const index = id - jobIdOf(0);
        if (!(index >= 0 && index < jobs))
          return send(400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Job ${id} does not exist.` });
        return send(200, jobJson(index));
      }
      case '/api/2.2/jobs/runs/get':
        return send(200, runJson(id, jobs));
      case '/api/2.2/jobs/runs/get-output': {
        const { failed } = decodeRun(id, jobs);
        return send(200, {
          metadata: runJson(id, jobs),
          ...(failed && id >= 2 * 2 ** 40
            ? {
                error:
                  '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main.staging.orders` cannot be found. SQLSTATE: 42P01',
                error_trace: 'org.apache.spark.sql.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] ...',
              }
            : {}),
        });
      }
      default:
        return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${url.pathname}'` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    runId: (job, seq, failed) => (seq * jobs + job) * 2 + (failed ? 1 : 0),
    jobId: jobIdOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `system.access.table_lineage` of the `workspace`th fake workspace's topology, as the SQL warehouse
 * answers the collector; `onQuery` is told of each query (only the topology load asks one).
 */
function fakeLineageWarehouse(jobs: number, workspace: number, onQuery: () => void): Warehouse {
  return {
    // Only the collector's lineage query reaches this warehouse.
    async query(_sql, options): Promise<QueryResult> {
      onQuery();
      const limit = options?.rowLimit ?? 10_000;
      const rows = [];
      for (let index = 0; index < jobs && rows.length < limit; index++) {
        const parent = parentOf(index);
        rows.push({
          source_table:
            parent === undefined
              ? `${catalogOf(workspace)}.raw.source_${Math.floor(index / PIPELINE)}`
              : tableOf(workspace, parent),
          target_table: tableOf(workspace, index),
          entity_type: 'JOB',
          entity_id: String(jobIdOf(index)),
          job_id: String(jobIdOf(index)),
          last_event: new Date(START).toISOString(),
        });
      }
      return {
        columns: ['source_table', 'target_table', 'entity_type', 'entity_id', 'job_id', 'last_event'].map(
          (name) => ({ name, type: name === 'last_event' ? 'TIMESTAMP' : 'STRING' }),
        ),
        rows,
        truncated: rows.length < jobs,
      };
    },
    close: async () => {},
  };
}

/** The fake workspaces as a dbxops process watches them, and how often each one's topology was loaded. */
export interface BenchWorkspaces {
  readonly first: { client: WatchedWorkspace['client']; warehouse: Warehouse; workspaceId: string };
  /** The others, each with its own webhook credentials (`null`: a process that takes no webhooks). */
  readonly more: WatchedWorkspace[];
  /** Topology loads per workspace in this process (each load reads lineage once). */
  readonly topologyLoads: () => number[];
}

/** dbxops' view of the fake workspaces served at `urls`, with webhook credentials when `webhooks`. */
export function benchWorkspaces(urls: readonly string[], jobs: number, webhooks: boolean): BenchWorkspaces {
  const loads = urls.map(() => 0);
  const all = urls.map((url, i) => ({
    workspaceId: workspaceIdOf(i),
    client: createDatabricksClient({ host: url, auth: patAuth('dapi-bench'), clock: systemClock }),
    warehouse: fakeLineageWarehouse(jobs, i, () => {
      loads[i] = (loads[i] ?? 0) + 1;
    }),
    webhookCredentials: webhooks ? webhookAuthOf(i) : null,
  }));
  const [first, ...more] = all;
  if (first === undefined) throw new Error('the benchmark needs at least one workspace');
  return {
    first: { client: first.client, warehouse: first.warehouse, workspaceId: first.workspaceId },
    more,
    topologyLoads: () => [...loads],
  };
}
