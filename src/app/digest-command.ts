import { join } from 'node:path';
import type { Digest } from '../agents/reporter/digest-report.js';
import { buildDailyDigest, buildWeeklyDigest, type ReporterDeps } from '../agents/reporter/build-digest.js';
import { renderDigestCardText } from '../cards/text-digest-card.js';
import { type Env, loadEnv } from '../config/env.js';
import { loadPolicy, type Policy, workspaceEntry } from '../config/policy.js';
import { createWarehouse } from '../databricks/create-warehouse.js';
import { currentWorkspaceId } from '../databricks/rest/current-workspace-id.js';
import type { Warehouse } from '../databricks/warehouse.js';
import { systemClock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import { digestCard } from '../notify/digest-card.js';
import { openStore } from '../store/open-store.js';
import { createRepositories, type Repositories } from '../store/repositories.js';
import { replayScenario } from './replay-scenario.js';
import { connectConfiguredWorkspace, warehouseConfig } from './connect-configured-workspace.js';

export interface DigestOptions {
  print: boolean;
  weekly: boolean;
  json: boolean;
  /** ISO time the digest is built as of (workspace clock); default now, or the end of the scenario. */
  at?: string;
  /** Replay this scenario instead of reading the configured (or embedded) workspace. */
  scenario?: string;
  hours?: number;
  seed?: number;
}

/** What the digest is read from: a workspace's tables and a store, and the time it is built as of. */
interface DigestSource {
  readonly warehouse: Warehouse;
  readonly repos: Repositories;
  readonly workspace: { readonly id: string; readonly name: string };
  readonly at: number;
  close(): Promise<void>;
}

/** Parses `--at`: an ISO time with a zone (`2026-11-22T07:00:00Z`), refused otherwise. */
function parseAt(at: string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const ms = /(?:Z|[+-]\d\d:?\d\d)$/i.test(at.trim()) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ConfigError(
      `--at ${JSON.stringify(at.slice(0, 60))} is not an ISO time with a zone, e.g. 2026-11-22T07:00:00Z.`,
      {
        option: '--at',
      },
    );
  return ms;
}

/**
 * Builds the daily digest (or with `weekly` the weekly summary) and returns it as text or JSON. With
 * `scenario`, or when no workspace is configured, a scenario is replayed through the pipeline — the
 * same seeded tables `dbxops sim export` writes for the same arguments — and the digest is built as of
 * the end of the replayed period unless `at` says otherwise. Otherwise it reads the configured
 * workspace and store as of now.
 */
export async function buildDigestOutput(options: DigestOptions, env: Env = loadEnv()): Promise<string> {
  if (!options.print)
    throw new ConfigError(
      'Add --print: dbxops start posts the digest on its schedule; `dbxops digest --print` shows it here.',
      { option: '--print' },
    );
  const at = parseAt(options.at);
  const policy = await loadPolicy(process.env.DBXOPS_POLICY ?? 'dbxops.yaml');
  const embedded = env.DATABRICKS_HOST === undefined && env.DATABRICKS_CONFIG_PROFILE === undefined;
  const source =
    options.scenario !== undefined || embedded
      ? await scenarioSource(options, env, policy, at)
      : await workspaceSource(env, policy, at);
  try {
    const deps: ReporterDeps = {
      warehouse: source.warehouse,
      digests: source.repos.digests,
      recurringIssues: source.repos.recurringIssues,
      workspace: source.workspace,
      budgets: policy.budgets,
      slas: policy.slas,
      timeZone: policy.timezone,
    };
    const digest: Digest = options.weekly
      ? await buildWeeklyDigest(deps, source.at)
      : await buildDailyDigest(deps, source.at);
    return options.json ? `${JSON.stringify(digest, null, 2)}\n` : renderDigestCardText(digestCard(digest));
  } finally {
    await source.close();
  }
}

async function scenarioSource(
  options: DigestOptions,
  env: Env,
  policy: Policy,
  at: number | undefined,
): Promise<DigestSource> {
  const replay = await replayScenario({
    scenario: options.scenario ?? env.DBXOPS_SCENARIO,
    seed: options.seed ?? env.DBXOPS_SEED,
    policy,
    // Runs are polled every simulated minute in the embedded mode: stepping by it replays what a running
    // dbxops would have seen, at half the work of eval's 30 s.
    step: 60,
    ...(options.hours === undefined ? {} : { hours: options.hours }),
  });
  const ws = replay.embedded.workspace;
  return {
    warehouse: replay.embedded.warehouse,
    repos: replay.app.repos,
    workspace: {
      id: ws.workspaceId,
      name: workspaceEntry(policy, ws.workspaceId)?.name ?? ws.scenario.workspace.name ?? ws.workspaceId,
    },
    at: at ?? replay.end,
    close: replay.close,
  };
}

async function workspaceSource(env: Env, policy: Policy, at: number | undefined): Promise<DigestSource> {
  const { client, config } = await connectConfiguredWorkspace(env);
  if (!env.DATABRICKS_WAREHOUSE_ID)
    throw new ConfigError(
      'Set DATABRICKS_WAREHOUSE_ID: the digest reads the system tables through a SQL warehouse',
    );
  const warehouse = await createWarehouse(
    warehouseConfig(env.DATABRICKS_SQL_TRANSPORT, env.DATABRICKS_WAREHOUSE_ID, client, config),
  );
  try {
    const workspaceId = env.DATABRICKS_WORKSPACE_ID ?? (await currentWorkspaceId(client.transport));
    const store = await openStore(
      env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: join(env.DBXOPS_DATA_DIR, 'pglite') },
    );
    return {
      warehouse,
      repos: createRepositories(store.db),
      workspace: { id: workspaceId, name: workspaceEntry(policy, workspaceId)?.name ?? workspaceId },
      at: at ?? systemClock.now(),
      close: async () => {
        await store.close();
        await warehouse.close();
      },
    };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/** `dbxops digest --print`: writes the digest to stdout. */
export async function runDigest(options: DigestOptions): Promise<void> {
  process.stdout.write(await buildDigestOutput(options));
}
