import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../domain/errors.js';
import { resolveInstant } from './instant.js';
import {
  BUILT_IN_GROUPS,
  type FaultKind,
  OBJECT_TYPES,
  PERMISSION_LEVELS,
  revocableObjectOf,
  type Scenario,
  scenarioSchema,
} from './schema.js';

/** Scenario files are hand-written topology; anything bigger is a mistake or an attack. */
export const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;
/** YAML aliases are useful for repeated task blocks; a few hundred is plenty and stops alias bombs. */
const MAX_ALIASES = 200;

interface ScenarioIssue {
  path: string;
  message: string;
}

/** Formats a zod/ours path as `jobs[3].tasks[0].depends_on[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function fail(source: string, issues: ScenarioIssue[]): never {
  const shown = issues.slice(0, 20).map((i) => `  ${i.path}: ${i.message}`);
  const more = issues.length > 20 ? [`  … and ${issues.length - 20} more`] : [];
  throw new ConfigError(`Scenario ${source} is invalid:\n${[...shown, ...more].join('\n')}`, {
    source,
    issues,
  });
}

function zodIssues(error: z.ZodError): ScenarioIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Parses scenario YAML text and validates it (shape and cross references).
 * @param source names the file in error messages.
 * @throws ConfigError naming the file, the path inside it and what was expected.
 */
export function parseScenario(text: string, source = '<inline>'): Scenario {
  if (Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES) {
    fail(source, [{ path: '(root)', message: `file is larger than ${MAX_SCENARIO_BYTES} bytes` }]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    fail(
      source,
      doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    fail(source, [{ path: '(yaml)', message: (error as Error).message }]);
  }
  return validateScenario(data, source);
}

/**
 * Reads and validates a scenario file, refusing files over {@link MAX_SCENARIO_BYTES} before reading them.
 * @throws ConfigError for unreadable, oversized or invalid files.
 */
export async function loadScenario(path: string): Promise<Scenario> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new ConfigError(`Scenario file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code}`, {
      source: path,
    });
  }
  if (size > MAX_SCENARIO_BYTES) {
    fail(path, [{ path: '(root)', message: `file is ${size} bytes; the limit is ${MAX_SCENARIO_BYTES}` }]);
  }
  return parseScenario(await readFile(path, 'utf8'), path);
}

/**
 * Validates an already-parsed scenario object (e.g. from `generateScenario`).
 * @throws ConfigError listing every problem found.
 */
export function validateScenario(data: unknown, source = '<inline>'): Scenario {
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) fail(source, zodIssues(parsed.error));
  const issues = checkReferences(parsed.data);
  if (issues.length > 0) fail(source, issues);
  return parsed.data;
}

const TARGET_NEEDS: Record<
  FaultKind,
  'job' | 'warehouse' | 'cluster' | 'pipeline' | 'team' | 'table' | 'grant' | 'permission' | 'none'
> = {
  task_error: 'job',
  timeout: 'job',
  oom: 'job',
  cloud_capacity: 'job',
  concurrency_conflict: 'job',
  duration_spike: 'job',
  row_count_drop: 'job',
  zero_rows: 'job',
  skipped_downstream: 'job',
  stale_table: 'table',
  revoked_grant: 'grant',
  revoked_permission: 'permission',
  runaway_query: 'warehouse',
  idle_warehouse_no_autostop: 'warehouse',
  cost_spike: 'team',
  pipeline_error: 'pipeline',
  driver_unresponsive: 'cluster',
  // A spot loss hits one job's own cluster (target.job) or a shared all-purpose cluster (target.cluster).
  spot_loss: 'none',
  throttle: 'none',
  server_error: 'none',
  query_storm: 'warehouse',
  pipeline_hang: 'pipeline',
  late_arrival: 'job',
};

function duplicates(values: readonly string[]): Map<string, number> {
  const seen = new Set<string>();
  const dups = new Map<string, number>();
  values.forEach((v, i) => {
    if (seen.has(v) && !dups.has(v)) dups.set(v, i);
    seen.add(v);
  });
  return dups;
}

function checkReferences(s: Scenario): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const add = (path: PropertyKey[], message: string) => issues.push({ path: formatPath(path), message });
  const unique = (list: string, values: readonly string[], field: string) => {
    for (const [value, index] of duplicates(values))
      add([list, index, field], `duplicate ${field} "${value}"`);
  };
  unique(
    'teams',
    s.teams.map((t) => t.name),
    'name',
  );
  unique(
    'jobs',
    s.jobs.map((j) => j.name),
    'name',
  );
  unique(
    'pipelines',
    s.pipelines.map((p) => p.name),
    'name',
  );
  unique(
    'clusters',
    s.clusters.map((c) => c.name),
    'name',
  );
  unique(
    'warehouses',
    s.warehouses.map((w) => w.name),
    'name',
  );
  unique(
    'tables',
    s.tables.map((t) => t.name),
    'name',
  );
  unique(
    'faults',
    s.faults.map((f) => f.id),
    'id',
  );
  unique(
    'users',
    s.users.map((u) => u.email),
    'email',
  );

  const teams = new Set(s.teams.map((t) => t.name));
  const jobs = new Map(s.jobs.map((j) => [j.name, j]));
  const pipelines = new Set(s.pipelines.map((p) => p.name));
  const clusters = new Set(s.clusters.map((c) => c.name));
  const warehouses = new Set(s.warehouses.map((w) => w.name));
  const tables = new Set(s.tables.map((t) => t.name));
  const faults = new Set(s.faults.map((f) => f.id));
  // A table-update trigger may watch any table the scenario names or something in it writes.
  const knownTables = new Set([
    ...tables,
    ...s.jobs.flatMap((j) => j.tasks.flatMap((t) => t.writes)),
    ...s.pipelines.flatMap((p) => p.writes),
  ]);
  const teamRef = (path: PropertyKey[], team: string | undefined) => {
    if (team !== undefined && !teams.has(team)) add(path, `team "${team}" is not one of teams[].name`);
  };

  s.users.forEach((u, i) => {
    teamRef(['users', i, 'team'], u.team);
  });
  s.pipelines.forEach((p, i) => {
    teamRef(['pipelines', i, 'team'], p.team);
  });
  s.clusters.forEach((c, i) => {
    teamRef(['clusters', i, 'team'], c.team);
  });
  s.warehouses.forEach((w, i) => {
    teamRef(['warehouses', i, 'team'], w.team);
    if (w.min_clusters > w.max_clusters) add(['warehouses', i, 'min_clusters'], 'must be ≤ max_clusters');
    if (w.auto_stop_mins > 0 && w.auto_stop_mins < 5)
      add(['warehouses', i, 'auto_stop_mins'], 'must be 0 or ≥ 5');
  });
  s.tables.forEach((t, i) => {
    teamRef(['tables', i, 'team'], t.team);
  });

  s.jobs.forEach((job, j) => {
    teamRef(['jobs', j, 'team'], job.team);
    const keys = new Set(job.tasks.map((t) => t.key));
    for (const [key, index] of duplicates(job.tasks.map((t) => t.key))) {
      add(['jobs', j, 'tasks', index, 'key'], `duplicate task key "${key}"`);
    }
    const clusterKeys = new Set(job.job_clusters.map((c) => c.key));
    for (const [key, index] of duplicates(job.job_clusters.map((c) => c.key))) {
      add(['jobs', j, 'job_clusters', index, 'key'], `duplicate job cluster key "${key}"`);
    }
    job.tasks.forEach((task, t) => {
      const at = ['jobs', j, 'tasks', t];
      task.depends_on.forEach((dep, d) => {
        if (!keys.has(dep)) add([...at, 'depends_on', d], `"${dep}" is not a task key of job "${job.name}"`);
        if (dep === task.key) add([...at, 'depends_on', d], 'a task cannot depend on itself');
      });
      if (task.cluster !== undefined && !clusterKeys.has(task.cluster)) {
        add([...at, 'cluster'], `"${task.cluster}" is not a job_clusters[].key of job "${job.name}"`);
      }
      if (task.existing_cluster !== undefined && !clusters.has(task.existing_cluster)) {
        add([...at, 'existing_cluster'], `"${task.existing_cluster}" is not one of clusters[].name`);
      }
      if (task.warehouse !== undefined && !warehouses.has(task.warehouse)) {
        add([...at, 'warehouse'], `"${task.warehouse}" is not one of warehouses[].name`);
      }
      if (task.type === 'sql' && task.warehouse === undefined)
        add([...at, 'warehouse'], 'sql tasks need a warehouse');
      if (task.type === 'pipeline') {
        if (task.pipeline === undefined) add([...at, 'pipeline'], 'pipeline tasks need a pipeline');
        else if (!pipelines.has(task.pipeline))
          add([...at, 'pipeline'], `"${task.pipeline}" is not one of pipelines[].name`);
      }
      if (task.type === 'run_job') {
        if (task.run_job === undefined) add([...at, 'run_job'], 'run_job tasks need a run_job (job name)');
        else if (!jobs.has(task.run_job))
          add([...at, 'run_job'], `"${task.run_job}" is not one of jobs[].name`);
        else if (task.run_job === job.name) add([...at, 'run_job'], 'a job cannot run itself');
      }
    });
    issues.push(...triggerIssues(job, j, knownTables));
    const cycle = findCycle(job.tasks);
    if (cycle) add(['jobs', j, 'tasks'], `depends_on forms a cycle: ${cycle.join(' → ')}`);
    if (typeof job.sla === 'object' && job.sla.table !== undefined) {
      const written = job.tasks.some((t) => t.writes.includes((job.sla as { table: string }).table));
      if (!written) add(['jobs', j, 'sla', 'table'], `no task of job "${job.name}" writes ${job.sla.table}`);
    }
  });

  const principals = new Set([
    ...s.users.map((u) => u.email),
    ...s.groups.map((g) => g.name),
    ...BUILT_IN_GROUPS,
  ]);
  if (s.operator !== undefined) {
    const operator = s.users.find((u) => u.email === s.operator);
    if (operator === undefined) add(['operator'], `"${s.operator}" is not one of users[].email`);
    else if (operator.service_principal) add(['operator'], 'must be a person, not a service principal');
  }
  const objects = {
    job: new Set(jobs.keys()),
    cluster: clusters,
    warehouse: warehouses,
    pipeline: pipelines,
  };
  s.permissions.forEach((p, i) => {
    const at = ['permissions', i];
    const named = OBJECT_TYPES.filter((type) => p[type] !== undefined);
    const type = named[0];
    if (type === undefined || named.length > 1) {
      add(at, 'name exactly one of job, cluster, warehouse or pipeline');
      return;
    }
    const object = p[type] ?? '';
    if (!objects[type].has(object)) add([...at, type], `"${object}" is not one of ${type}s[].name`);
    if (!principals.has(p.principal))
      add([...at, 'principal'], `"${p.principal}" is not one of users[].email or groups[].name`);
    const levels: readonly string[] = PERMISSION_LEVELS[type];
    if (!levels.includes(p.level)) add([...at, 'level'], `a ${type} takes ${levels.join(', ')}`);
  });

  s.warehouses.forEach((w, i) => {
    for (const [dashboard, index] of duplicates((w.load?.dashboards ?? []).map((d) => d.name)))
      add(['warehouses', i, 'load', 'dashboards', index, 'name'], `duplicate dashboard name "${dashboard}"`);
  });
  s.cancellations.forEach((c, i) => {
    if (!jobs.has(c.job)) add(['cancellations', i, 'job'], `"${c.job}" is not one of jobs[].name`);
  });

  const startMs = Date.parse(s.start);
  s.faults.forEach((fault, f) => {
    const at = ['faults', f];
    const target = fault.target;
    const need = TARGET_NEEDS[fault.kind];
    const needField = need === 'none' ? undefined : need;
    if (needField !== undefined && target[needField] === undefined) {
      add([...at, 'target', needField], `a ${fault.kind} fault needs target.${needField}`);
    }
    if (fault.kind === 'spot_loss' && (target.job === undefined) === (target.cluster === undefined)) {
      add([...at, 'target'], 'a spot_loss fault needs target.job or target.cluster (one of them)');
    }
    if (fault.query !== undefined && fault.kind !== 'runaway_query') {
      add([...at, 'query'], 'only a runaway_query fault takes a query');
    }
    lateArrivalIssues(fault, jobs, startMs, (path, message) => add([...at, ...path], message));
    if (target.job !== undefined) {
      const job = jobs.get(target.job);
      if (!job) add([...at, 'target', 'job'], `"${target.job}" is not one of jobs[].name`);
      else if (target.task !== undefined && !job.tasks.some((t) => t.key === target.task)) {
        add([...at, 'target', 'task'], `"${target.task}" is not a task key of job "${target.job}"`);
      }
    } else if (target.task !== undefined) add([...at, 'target', 'task'], 'target.task needs target.job');
    if (target.warehouse !== undefined && !warehouses.has(target.warehouse)) {
      add([...at, 'target', 'warehouse'], `"${target.warehouse}" is not one of warehouses[].name`);
    }
    if (target.cluster !== undefined && !clusters.has(target.cluster)) {
      add([...at, 'target', 'cluster'], `"${target.cluster}" is not one of clusters[].name`);
    }
    if (target.pipeline !== undefined && !pipelines.has(target.pipeline)) {
      add([...at, 'target', 'pipeline'], `"${target.pipeline}" is not one of pipelines[].name`);
    }
    teamRef([...at, 'target', 'team'], target.team);
    if (target.table !== undefined && !tables.has(target.table)) {
      add([...at, 'target', 'table'], `"${target.table}" is not one of tables[].name`);
    }
    if (target.grant !== undefined) {
      const g = target.grant;
      if (!s.grants.some((x) => x.table === g.table && x.principal === g.principal)) {
        add([...at, 'target', 'grant'], `no grants[] entry gives ${g.principal} a privilege on ${g.table}`);
      }
    }
    if (target.permission !== undefined) {
      const p = target.permission;
      const object = revocableObjectOf(p);
      if (object === undefined) {
        add([...at, 'target', 'permission'], 'names exactly one of job, cluster or pipeline');
      } else if (
        !s.permissions.some(
          (x) => x.principal === p.principal && x.level === p.level && x[object.type] === object.name,
        )
      ) {
        add(
          [...at, 'target', 'permission'],
          `no permissions[] entry gives ${p.principal} ${p.level} on ${object.type} "${object.name}"`,
        );
      }
    }
    if (fault.caused_by !== undefined) {
      if (!faults.has(fault.caused_by))
        add([...at, 'caused_by'], `"${fault.caused_by}" is not one of faults[].id`);
      if (fault.caused_by === fault.id) add([...at, 'caused_by'], 'a fault cannot cause itself');
    }
    if (
      fault.end !== undefined &&
      resolveInstant(fault.end, startMs) <= resolveInstant(fault.start, startMs)
    ) {
      add([...at, 'end'], 'must be after start');
    }
    checkTruth(fault, startMs, s.history !== undefined, (path, message) => add([...at, ...path], message));
  });
  return issues;
}

/** A late_arrival holds back a file-arrival job's files one way: later, until an instant, or for good. */
function lateArrivalIssues(
  fault: Scenario['faults'][number],
  jobs: ReadonlyMap<string, Scenario['jobs'][number]>,
  startMs: number,
  add: (path: PropertyKey[], message: string) => void,
): void {
  const ways = (['delay', 'until', 'skip'] as const).filter((w) => fault[w] !== undefined);
  if (fault.kind !== 'late_arrival') {
    for (const way of ways) add([way], 'only a late_arrival fault takes delay, until or skip');
    return;
  }
  if (ways.length !== 1) add([], 'a late_arrival fault takes exactly one of delay, until or skip: true');
  const job = fault.target.job === undefined ? undefined : jobs.get(fault.target.job);
  if (job !== undefined && job.trigger?.file_arrival === undefined)
    add(['target', 'job'], `job "${job.name}" has no trigger.file_arrival whose files could come late`);
  if (
    fault.until !== undefined &&
    resolveInstant(fault.until, startMs) <= resolveInstant(fault.start, startMs)
  )
    add(['until'], 'must be after start');
}

/** Ground truth that contradicts itself, or a fault inside the healthy history, cannot be scored. */
function checkTruth(
  fault: Scenario['faults'][number],
  startMs: number,
  hasHistory: boolean,
  add: (path: PropertyKey[], message: string) => void,
): void {
  if (fault.must_not_page && (fault.expected.severity === 'P1' || fault.expected.severity === 'P2'))
    add(['expected', 'severity'], `a must_not_page fault cannot expect ${fault.expected.severity}, a page`);
  if (fault.must_not_page && fault.recurring_by !== undefined)
    add(['recurring_by'], 'a must_not_page fault is not one to find, so not one to find recurring');
  if (
    fault.recurring_by !== undefined &&
    fault.occurrences !== undefined &&
    fault.occurrences < fault.recurring_by
  )
    add(['recurring_by'], `the fault happens only ${fault.occurrences} times (occurrences)`);
  if (hasHistory && resolveInstant(fault.start, startMs) < startMs)
    add(['start'], 'the history before start is healthy: a fault starts at or after start');
}

/** A job has one trigger at most: a schedule, one `trigger` kind, or `continuous`. */
function triggerIssues(
  job: Scenario['jobs'][number],
  index: number,
  knownTables: ReadonlySet<string>,
): ScenarioIssue[] {
  const at = formatPath(['jobs', index]);
  const issues: ScenarioIssue[] = [];
  const t = job.trigger;
  const kinds = t ? [t.file_arrival, t.table_update, t.periodic].filter((k) => k !== undefined) : [];
  if (t && kinds.length !== 1)
    issues.push({
      path: `${at}.trigger`,
      message: 'name exactly one of file_arrival, table_update or periodic',
    });
  const ways = [job.schedule, job.trigger, job.continuous].filter((w) => w !== undefined).length;
  if (ways > 1)
    issues.push({ path: at, message: 'a job takes one of schedule, trigger or continuous, not several' });
  t?.table_update?.table_names.forEach((table, i) => {
    if (!knownTables.has(table)) {
      issues.push({
        path: `${at}.trigger.table_update.table_names[${i}]`,
        message: `"${table}" is not one of tables[].name and nothing in the scenario writes it`,
      });
    }
  });
  return issues;
}

function findCycle(tasks: readonly { key: string; depends_on: string[] }[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.key, t.depends_on]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === 2) return undefined;
    if (state.get(key) === 1) return [...stack.slice(stack.indexOf(key)), key];
    state.set(key, 1);
    stack.push(key);
    for (const dep of deps.get(key) ?? []) {
      if (!deps.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(key, 2);
    return undefined;
  };
  for (const t of tasks) {
    const found = visit(t.key);
    if (found) return found;
  }
  return undefined;
}
