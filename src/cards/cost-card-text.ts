import { formatUsd } from './card-format.js';
import type { CostCardView, ShownSql } from './card-views.js';
import { encodeCommandValue } from './command-button.js';
import type { CostChart } from './cost-chart.js';

/**
 * The words of a cost card, shared by the Slack, Teams and console renderers so the three say the same
 * thing; each renderer only lays them out (and escapes them for its surface).
 */

const dbu = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** "1,234.5 DBU" */
function formatDbus(amount: number): string {
  return `${dbu.format(amount)} DBU`;
}

/** "▲ 12% vs the previous 7 days ($1,100.00)", or why there is no comparison. */
function changeText(view: CostCardView): string {
  if (view.previousUsd <= 0) {
    return view.usd > 0 ? 'no spend in the period before to compare with' : 'no spend in either period';
  }
  const pct = ((view.usd - view.previousUsd) / view.previousUsd) * 100;
  const arrow = Math.abs(pct) < 0.5 ? '＝' : pct > 0 ? '▲' : '▼';
  return `${arrow} ${Math.abs(pct).toFixed(0)}% vs the period before (${formatUsd(view.previousUsd)})`;
}

/** Where the month stands against the `budgets:` entry, or null when none applies. */
function budgetText(view: CostCardView): string | null {
  const b = view.budget;
  if (b === null) return null;
  const used = b.monthlyUsd > 0 ? (b.monthToDateUsd / b.monthlyUsd) * 100 : 0;
  const state =
    b.monthToDateUsd >= b.monthlyUsd
      ? '🔴 over budget'
      : b.projectedUsd > b.monthlyUsd
        ? '🟠 on course to exceed it'
        : '🟢 within budget';
  return `${state}: ${formatUsd(b.monthToDateUsd)} of ${formatUsd(b.monthlyUsd)} in ${b.month} (${used.toFixed(0)}%), heading for ${formatUsd(b.projectedUsd)}`;
}

/** "in the past 7 days", "yesterday", "since Monday": a period label as it reads after a verb. */
export function periodPhrase(label: string): string {
  return label.startsWith('the ') ? `in ${label}` : label;
}

/** The one-line answer: "team finance spent $219.91 (439.7 DBU) in the past 7 days". */
export function costHeadline(view: CostCardView): string {
  if (isEmptyCost(view)) return `No billing records for ${view.target} ${periodPhrase(view.periodLabel)}.`;
  return `${view.target} spent ${formatUsd(view.usd)} (${formatDbus(view.dbus)}) ${periodPhrase(view.periodLabel)}`;
}

export function isEmptyCost(view: CostCardView): boolean {
  return view.usd === 0 && view.dbus === 0;
}

/** Label/value pairs every surface shows as facts. */
export function costFacts(view: CostCardView): { label: string; value: string }[] {
  const facts = [
    { label: 'Spend', value: formatUsd(view.usd) },
    { label: 'DBUs', value: formatDbus(view.dbus) },
    { label: 'Change', value: changeText(view) },
    { label: 'Period', value: `${view.periodLabel} (${view.timeZone})` },
  ];
  const budget = budgetText(view);
  if (budget !== null) facts.push({ label: 'Budget', value: budget });
  return facts;
}

/** "finance_fx_rates — $4.98 (14.2 DBU)" lines of a ranked list. */
function spendLines(rows: CostCardView['topJobs']): string[] {
  return rows.map((r) => `${r.name} — ${formatUsd(r.usd)} (${formatDbus(r.dbus)})`);
}

/** Spend per team, untagged spend named as such. */
function teamLines(view: CostCardView): string[] {
  return view.byTeam.map((t) => `${t.name ?? '(untagged)'} — ${formatUsd(t.usd)}`);
}

/** The card's titled lists — top jobs, top warehouses, spend by team — in the order every surface shows them. */
export function costLists(view: CostCardView): [string, string[]][] {
  return [
    ['Top jobs', spendLines(view.topJobs)],
    ['Top warehouses', spendLines(view.topWarehouses)],
    ['By team', teamLines(view)],
  ];
}

/** Every statement as one SQL text, each under a comment naming it and its bound values. */
export function sqlText(statements: readonly ShownSql[]): string {
  return statements
    .map((s) => {
      const params = Object.entries(s.params)
        .map(([k, v]) => `:${k} = ${typeof v === 'number' ? v : `'${v.replaceAll("'", "''")}'`}`)
        .join(', ');
      return `-- ${s.label}${params === '' ? '' : `\n-- ${params}`}\n${s.sql};`;
    })
    .join('\n\n');
}

/** The "Show SQL" button's value: the card's own command, to run again for its SQL. */
export function showSqlValue(view: CostCardView): string {
  return encodeCommandValue(view.command);
}

/** The chart's alt text: the figures it shows, for screen readers and clients without images. */
export function chartAltText(view: CostCardView): string {
  return `Daily spend of ${view.target}, ${view.periodLabel}: ${view.daily
    .map((d) => `${d.day} ${formatUsd(d.usd)}`)
    .join(', ')}`.slice(0, 1000);
}

/** The chart a cost card shows: the same figures on every surface. */
export function costChartOf(view: CostCardView): CostChart {
  return {
    kind: 'daily',
    title: `Daily spend · ${view.target} · ${view.periodLabel} (${view.timeZone})`,
    days: view.daily,
  };
}
