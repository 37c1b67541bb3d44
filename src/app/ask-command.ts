import type { Answer } from '../agents/analyst/analyst.js';
import { DEFAULT_SCENARIO_FILE } from '../config/default-scenario-file.js';
import { type Env, loadEnv } from '../config/env.js';
import { loadPolicy } from '../config/policy.js';
import { createWarehouse } from '../databricks/create-warehouse.js';
import { currentWorkspaceId } from '../databricks/rest/current-workspace-id.js';
import type { Warehouse } from '../databricks/warehouse.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import { analystFor } from './analyst-setup.js';
import { type CommandLanguageModel, openCommandLanguageModel } from './command-language-model.js';
import { openScenarioWarehouse } from './scenario-warehouse.js';
import { connectConfiguredWorkspace, warehouseConfig } from './connect-configured-workspace.js';

export interface AskOptions {
  readonly question: string;
  readonly json: boolean;
  /** A scenario file; with `hours`/`seed`, the data `dbxops sim export` writes for the same arguments. */
  readonly scenario?: string;
  readonly hours?: number;
  readonly seed: number;
}

/** The demo's length when `--hours` is not given: the demo scenario runs 48 h. */
const DEFAULT_HOURS = 48;

/** What `--json` prints: the answer as data, a refusal with `sql: null` and the reason in `summary`. */
function answerJson(answer: Answer): string {
  return JSON.stringify({
    question: answer.question,
    sql: answer.sql,
    columns: answer.columns,
    rows: answer.rows,
    summary: answer.summary,
  });
}

function answerText(answer: Answer): string {
  const lines = [answer.summary];
  if (answer.columns.length > 0) {
    lines.push(
      '',
      answer.columns.join('\t'),
      ...answer.rows
        .slice(0, 20)
        .map((r) =>
          r.map((v) => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))).join('\t'),
        ),
    );
  }
  if (answer.sql !== null) lines.push('', answer.sql);
  if (answer.followUps.length > 0)
    lines.push('', `Ask next: ${answer.followUps.map((f) => f.question).join(' · ')}`);
  return `${lines.join('\n')}\n`;
}

interface Opened {
  readonly warehouse: Warehouse;
  readonly clock: Clock;
  /** The workspace questions are about: the system tables hold the whole account's rows. */
  readonly workspaceId: string;
  close(): Promise<void>;
}

/** The configured workspace's warehouse, or the scenario played into DuckDB with now at its end. */
async function openWorkspace(opts: AskOptions, env: Env): Promise<Opened> {
  const configured = env.DATABRICKS_HOST !== undefined || env.DATABRICKS_CONFIG_PROFILE !== undefined;
  if (configured && opts.scenario === undefined) {
    const { client, config } = await connectConfiguredWorkspace(env);
    if (!env.DATABRICKS_WAREHOUSE_ID) {
      throw new ConfigError(
        'Set DATABRICKS_WAREHOUSE_ID: dbxops reads the system tables through a SQL warehouse',
      );
    }
    const warehouse = await createWarehouse(
      warehouseConfig(env.DATABRICKS_SQL_TRANSPORT, env.DATABRICKS_WAREHOUSE_ID, client, config),
    );
    try {
      // As `dbxops start` finds it: the host name does not carry the numeric id the tables filter on.
      const workspaceId = env.DATABRICKS_WORKSPACE_ID ?? (await currentWorkspaceId(client.transport));
      return { warehouse, clock: systemClock, workspaceId, close: () => warehouse.close() };
    } catch (error) {
      await warehouse.close();
      throw error;
    }
  }
  const hours = opts.hours ?? (opts.scenario === undefined ? DEFAULT_HOURS : undefined);
  return openScenarioWarehouse({
    scenario: opts.scenario ?? DEFAULT_SCENARIO_FILE,
    ...(hours === undefined ? {} : { hours }),
    seed: opts.seed,
  });
}

/**
 * `dbxops ask "<question>"`: the analyst's answer on stdout — the same analyst the chat handler asks —
 * against the configured workspace, or the embedded one (`--scenario`, default the demo, 48 h).
 */
export async function runAsk(
  opts: AskOptions,
  io: { write?: (text: string) => void; env?: Env } = {},
): Promise<void> {
  const env = io.env ?? loadEnv();
  const policy = await loadPolicy(process.env.DBXOPS_POLICY ?? 'dbxops.yaml');
  const workspace = await openWorkspace(opts, env);
  let model: CommandLanguageModel | undefined;
  try {
    model = await openCommandLanguageModel(env, policy);
    const language = model.language;
    const analyst = analystFor(language, {
      warehouse: workspace.warehouse,
      workspaceId: workspace.workspaceId,
      clock: workspace.clock,
      wallClock: systemClock,
      policy,
    });
    const answer = await analyst.ask({ text: opts.question });
    (io.write ?? ((t) => process.stdout.write(t)))(
      opts.json ? `${answerJson(answer)}\n` : answerText(answer),
    );
  } finally {
    await model?.close();
    await workspace.close();
  }
}
