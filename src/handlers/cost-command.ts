import { parseCostPeriod } from '../agents/analyst/cost-period.js';
import {
  budgetFor,
  type CostAnalyst,
  type CostReport,
  type CostTarget,
  targetArgument,
  targetLabel,
} from '../agents/analyst/cost-report.js';
import { formatDateTimeUtc } from '../cards/card-format.js';
import type { CardViewInput, CostCardView } from '../cards/card-views.js';
import type { CommandButton } from '../cards/command-button.js';
import type { CostChart } from '../cards/cost-chart.js';
import { costChartOf, periodPhrase, sqlText } from '../cards/cost-card-text.js';
import type { Logger } from '../config/logger.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import type { ChatResponse, Reply } from './chat-request.js';
import { workspaceWord } from './parse-command.js';

export interface CostCommandDeps {
  /** Reads the billing tables of the watched workspace; without it `/dbx cost` says it cannot. */
  readonly cost?: CostAnalyst | undefined;
  /** `budgets:` and the workspace's `timezone`. */
  readonly policy: Pick<Policy, 'budgets' | 'timezone'>;
  /** The workspace clock: "now" for periods, month-to-date and freshness. */
  readonly clock: Clock;
  /** A signed URL dbxops serves the chart at (Teams and the console load it); null leaves it out. */
  readonly chartUrl?: ((chart: CostChart) => string | null) | undefined;
  readonly logger: Logger;
  /**
   * With several workspaces, the name of the one `cost` reads: the card says it and its buttons (candidates,
   * "Show SQL") name it again, so they read the same workspace.
   */
  readonly workspace?: string | undefined;
}

export interface CostCommand {
  readonly target: string;
  readonly period: string;
}

const MINUTE_MS = 60_000;

const message = (
  text: string,
  tone: 'info' | 'warning' | 'error',
  fields: { label: string; value: string }[] = [],
  commands: CommandButton[] = [],
): CardViewInput => ({ kind: 'message', tone, title: null, text, fields, commands });

const toRequester = (card: CardViewInput): ChatResponse => ({
  ok: true,
  replies: [{ audience: 'requester', card }],
});

/** "3 h 10 min" */
function lag(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE_MS));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** How fresh the figures are: billing records arrive hours after the usage. */
function freshness(newestMs: number | null, nowMs: number): string {
  if (newestMs === null) {
    return 'No billing records in the last 30 days: is system.billing enabled and readable by dbxops?';
  }
  return `Billing data up to ${formatDateTimeUtc(newestMs)}, ${lag(nowMs - newestMs)} behind the workspace clock (billing arrives hours after the usage).`;
}

/** The command that reproduces a card, for its "Show SQL" and candidate buttons. */
function commandFor(target: CostTarget, periodWords: string, workspace: string | undefined): string {
  const where = workspace === undefined ? '' : ` ${workspaceWord(workspace)}`;
  return `cost ${targetArgument(target)}${where}${periodWords === '' ? '' : ` ${periodWords}`}`;
}

/** What the card and the SQL answer call the target: with several workspaces, in which. */
function labelIn(target: CostTarget, workspace: string | undefined): string {
  return workspace === undefined ? targetLabel(target) : `${targetLabel(target)} in ${workspace}`;
}

/** The report as a card; an empty period keeps its SQL and has no chart (nothing to draw). */
function costCardView(
  report: CostReport,
  command: string,
  nowMs: number,
  workspace: string | undefined,
): CostCardView {
  const empty = report.usd === 0 && report.dbus === 0;
  const rows = (list: CostReport['topJobs']) => list.map((r) => ({ name: r.name, usd: r.usd, dbus: r.dbus }));
  return {
    kind: 'cost',
    target: labelIn(report.target, workspace),
    periodLabel: report.period.label,
    fromMs: report.period.fromMs,
    toMs: report.period.toMs,
    timeZone: report.period.timeZone,
    usd: report.usd,
    dbus: report.dbus,
    previousUsd: report.previousUsd,
    daily: empty ? [] : report.daily.map((d) => ({ day: d.day, usd: d.usd })),
    topJobs: rows(report.topJobs),
    topWarehouses: rows(report.topWarehouses),
    byTeam: report.byTeam.map((t) => ({ name: t.team, usd: t.usd })),
    budget: report.budget,
    freshness: freshness(report.newestRecordMs, nowMs),
    sql: report.statements.map((s) => ({ label: s.label, sql: s.sql, params: { ...s.params } })),
    chartUrl: null,
    command,
  };
}

/** A statement the guard or the warehouse refused, in their words with the SQL — never a stack trace. */
function refused(refusal: {
  userMessage: string;
  details?: Readonly<Record<string, unknown>>;
}): ChatResponse {
  const statement = refusal.details?.statement;
  return toRequester(
    message(
      refusal.userMessage,
      'error',
      typeof statement === 'string' ? [{ label: 'SQL', value: statement }] : [],
    ),
  );
}

/**
 * `/dbx cost <target> [period]`: resolves the target forgivingly, reads the report and answers with a
 * cost card in the conversation (so Slack can attach the chart), or — for `showSql` — with the SQL
 * behind it for the requester. A name that fits several things, or nothing, gets candidates as buttons.
 */
export async function costCommand(
  deps: CostCommandDeps,
  command: CostCommand,
  options: { readonly showSql?: boolean } = {},
): Promise<ChatResponse> {
  const analyst = deps.cost;
  if (analyst === undefined) {
    return {
      ok: false,
      reason: 'unavailable',
      userMessage: 'I have no SQL warehouse to read billing from; set DATABRICKS_WAREHOUSE_ID.',
    };
  }
  const nowMs = deps.clock.now();
  const period = parseCostPeriod(command.period, nowMs, deps.policy.timezone);
  if (!period.ok) return toRequester(message(period.userMessage, 'warning'));

  const resolved = await analyst.resolveTarget(command.target, nowMs);
  if (!resolved.ok) return refused(resolved);
  const target = resolved.value;
  if (!target.ok) {
    const commands = target.candidates.map((c) => ({
      label: targetLabel(c),
      action: 'run' as const,
      command: commandFor(c, command.period, deps.workspace),
    }));
    return toRequester(
      message(target.userMessage, target.reason === 'invalid' ? 'warning' : 'info', [], commands),
    );
  }
  const read = await analyst.report(target.target, period.value, {
    nowMs,
    budget: budgetFor(deps.policy.budgets, target.target),
  });
  if (!read.ok) {
    deps.logger.warn({ reason: read.reason }, 'a cost query was refused');
    return refused(read);
  }
  const report = read.value;
  const again = commandFor(target.target, command.period, deps.workspace);
  if (options.showSql === true) {
    return toRequester({
      kind: 'answer',
      question: `/dbx ${again}`,
      answer: `The SQL behind the spend of ${labelIn(target.target, deps.workspace)} ${periodPhrase(period.value.label)}: ${report.statements.length} statements, values bound as parameters.`,
      sql: sqlText(report.statements),
      freshness: freshness(report.newestRecordMs, nowMs),
    });
  }
  const view = costCardView(report, again, nowMs, deps.workspace);
  const chartUrl = view.daily.length > 0 ? (deps.chartUrl?.(costChartOf(view)) ?? null) : null;
  const reply: Reply = { audience: 'conversation', card: { ...view, chartUrl } };
  return { ok: true, replies: [reply] };
}
