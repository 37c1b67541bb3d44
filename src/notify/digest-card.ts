import type { DigestCardView, DigestSection } from '../cards/card-views.js';
import type { CostChart } from '../cards/cost-chart.js';
import { digestChartOf } from '../cards/digest-chart.js';
import type { ShownSql } from '../agents/reporter/digest-queries.js';
import { maxAgeText } from '../domain/duration.js';
import type {
  CostReport,
  DailyDigest,
  DecisionFigures,
  Digest,
  IncidentFigures,
  OpenIssueFigures,
  SavingKind,
  SavingsFigures,
  SavingsRealisedFigures,
  Section,
  SlaFigures,
  SpendFigures,
  WeekFigures,
  WeeklyDigest,
} from '../agents/reporter/digest-report.js';

/** Where figures link to: the console's incident page when a console URL is known. */
export interface DigestLinks {
  readonly incidentUrl?: (incidentId: string) => string;
  /**
   * With several workspaces, the `workspace:<name>` word the card's `/dbx cost` commands carry, so they
   * read the workspace the card reports on.
   */
  readonly workspaceWord?: string;
  /** Where dbxops serves a chart as a PNG (a signed URL), for Teams and the console. */
  readonly chartUrl?: (chart: CostChart) => string;
}

/** When a scheduled post went out after its time, what the card says about it. */
export interface LateNote {
  readonly dueAt: number;
  readonly sentAt: number;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const money = (n: number) => usd.format(n);
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * How a missed or close SLA's day is said: a deadline by its time ("due 06:00 UTC, landed 06:40 UTC"), a
 * maximum age by its age ("must be at most 2 h; 3 h 10 min old at worst, since 14:00 UTC").
 */
function slaItemText(i: SlaFigures['items'][number]): string {
  if (i.maxAgeMinutes === null)
    return `due ${utc(i.deadlineAt)}${i.landedAt === null ? '' : `, landed ${utc(i.landedAt)}`}`;
  const when = i.status === 'missed' ? `, too old from ${utc(i.deadlineAt)}` : '';
  return `${maxAgeText(i.maxAgeMinutes, i.oldestMs ?? 0, 'at worst')}${when}`;
}

/** "45 s", "12 min", "3 h 5 min". */
function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const teamName = (team: string | null) => team ?? 'untagged';
const percent = (value: number, of: number) =>
  of === 0 ? '—' : `${value >= of ? '+' : ''}${Math.round(((value - of) / of) * 100)} %`;

function sqlText(list: readonly ShownSql[]): string {
  return list
    .map((s) => {
      const params = Object.entries(s.params)
        .map(([k, v]) => `--   :${k} = ${v}`)
        .join('\n');
      return `${params === '' ? '' : `-- parameters\n${params}\n`}${s.sql}`;
    })
    .join('\n\n');
}

/** A section with figures, or the reason it has none. */
function fromSection<T>(
  title: string,
  s: Section<T>,
  build: (data: T) => Omit<DigestSection, 'title' | 'missing'>,
): DigestSection {
  if (s.status === 'missing') return { title, missing: s.reason, lines: [], chart: null, sql: null };
  return { title, missing: null, ...build(s.data) };
}

function incidentsSection(s: Section<IncidentFigures>, links: DigestLinks, date: string): DigestSection {
  return fromSection(`Incidents on ${date}`, s, (f) => {
    if (f.total === 0)
      return {
        lines: [{ text: `No incidents on ${date}.`, url: null, command: null }],
        chart: null,
        sql: null,
      };
    const counts = (['P1', 'P2', 'P3', 'P4'] as const).map((p) => `${f.bySeverity[p]} ${p}`).join(', ');
    const lines: DigestSection['lines'] = [
      {
        text: `${f.total} ${f.total === 1 ? 'incident' : 'incidents'} (${counts}); mean time to detect ${duration(f.meanDetectSeconds)}, to resolve ${duration(f.meanResolveSeconds)} (${f.resolved} resolved)`,
        url: null,
        command: '/dbx incidents',
      },
      ...[...f.items]
        .sort((a, b) => a.severity.localeCompare(b.severity) || a.openedAt - b.openedAt)
        .map((i) => ({
          text: `${i.severity} ${i.title} — ${i.state}, detected in ${duration(i.detectSeconds)}${i.resolveSeconds === null ? '' : `, resolved in ${duration(i.resolveSeconds)}`}`,
          url: links.incidentUrl?.(i.id) ?? null,
          command: null,
        })),
    ];
    return { lines, chart: null, sql: null };
  });
}

function slaSection(s: Section<SlaFigures>, date: string): DigestSection {
  return fromSection(`SLAs on ${date}`, s, (f) => {
    if (f.items.length === 0)
      return {
        lines: [
          {
            text: 'No SLA is set: neither the policy (`slas:`) nor a job (an `sla` tag) promises a deadline.',
            url: null,
            command: null,
          },
        ],
        chart: null,
        sql: sqlText(f.sql),
      };
    const lines: DigestSection['lines'] = [
      {
        text: `${f.met} met, ${f.atRisk} at risk (met with under an hour to spare), ${f.missed} missed`,
        url: null,
        command: null,
      },
      ...f.byTeam.map((t) => ({
        text: `${teamName(t.team)}: ${t.met} met, ${t.atRisk} at risk, ${t.missed} missed`,
        url: null,
        command: null,
      })),
      ...f.items
        .filter((i) => i.status !== 'met')
        .map((i) => ({
          text: `${i.status === 'missed' ? 'Missed' : 'At risk'}: ${i.table}${i.job === null ? '' : ` (${i.job})`}, ${slaItemText(i)}`,
          url: null,
          command: i.jobId === null ? null : `/dbx status ${i.jobId}`,
        })),
    ];
    return { lines, chart: null, sql: sqlText(f.sql) };
  });
}

function openIssuesSection(s: Section<OpenIssueFigures>, links: DigestLinks): DigestSection {
  return fromSection('Open and recurring issues', s, (f) => {
    const lines: DigestSection['lines'] = [];
    if (f.open.length === 0) lines.push({ text: 'No open incidents.', url: null, command: null });
    else
      lines.push({
        text: `${f.open.length} open ${f.open.length === 1 ? 'incident' : 'incidents'}`,
        url: null,
        command: '/dbx incidents',
      });
    for (const i of [...f.open].sort(
      (a, b) => a.severity.localeCompare(b.severity) || a.openedAt - b.openedAt,
    ))
      lines.push({
        text: `${i.severity} ${i.title} — ${i.state} since ${utc(i.openedAt)}`,
        url: links.incidentUrl?.(i.id) ?? null,
        command: null,
      });
    if (f.recurring.length === 0) lines.push({ text: 'No recurring issues.', url: null, command: null });
    for (const r of f.recurring)
      lines.push({
        text: `Recurring ×${r.occurrences}: ${r.title} — ${r.recommendation}`,
        url: null,
        command: null,
      });
    return { lines, chart: null, sql: null };
  });
}

function decisionsSection(
  title: string,
  s: Section<DecisionFigures>,
  none: string,
  links: DigestLinks,
): DigestSection {
  return fromSection(title, s, (f) => ({
    lines:
      f.items.length > 0
        ? f.items.map((i) => ({
            text: `${i.title} — ${i.outcome}`,
            url: i.incidentId === null ? null : (links.incidentUrl?.(i.incidentId) ?? null),
            command: null,
          }))
        : [{ text: none, url: null, command: null }],
    chart: null,
    sql: null,
  }));
}

/** `/dbx cost [team]`, in the card's workspace when there are several. */
function costCommand(team: string, links: DigestLinks): string {
  return ['/dbx cost', team, links.workspaceWord ?? ''].filter((w) => w !== '').join(' ');
}

function spendSection(s: Section<SpendFigures>, date: string, links: DigestLinks): DigestSection {
  return fromSection(`Spend on ${date}`, s, (f) => {
    const history = `${f.historyDays}-day average`;
    // The workspace's first day of billing has nothing before it to compare with: it says so.
    const against = (x: { dayUsd: number; averageUsd: number }) =>
      f.historyDays === 0
        ? '(no earlier day to compare with)'
        : `against the ${history} of ${money(x.averageUsd)} (${percent(x.dayUsd, x.averageUsd)})`;
    const lines: DigestSection['lines'] = [
      {
        text: `${money(f.total.dayUsd)} ${against(f.total)}; ${f.month} to date ${money(f.total.monthToDateUsd)}, forecast ${money(f.total.forecastUsd)}`,
        url: null,
        // The whole workspace, each team and the untagged share: `/dbx cost`'s default answer.
        command: costCommand('', links),
      },
      ...f.teams.map((t) => {
        const budget =
          t.team === null
            ? 'no team tag'
            : t.budgetUsd === null
              ? 'no budget set'
              : `${Math.round((t.forecastUsd / t.budgetUsd) * 100)} % of its ${money(t.budgetUsd)} budget${t.forecastUsd > t.budgetUsd ? ' — over' : ''}`;
        return {
          text: `${teamName(t.team)}: ${money(t.dayUsd)} ${against(t)}; month to date ${money(t.monthToDateUsd)}, forecast ${money(t.forecastUsd)}, ${budget}`,
          url: null,
          // Untagged spend has no team to cost: the workspace's answer shows it as its own line.
          command: costCommand(t.team ?? '', links),
        };
      }),
    ];
    const chart = {
      title: f.historyDays === 0 ? `${date}, per team` : `${date} against the ${history}, per team`,
      bars: f.teams.map((t) => ({
        label: teamName(t.team),
        value: t.dayUsd,
        baseline: f.historyDays > 0 ? t.averageUsd : null,
      })),
    };
    const url = chart.bars.length > 0 ? (links.chartUrl?.(digestChartOf(chart)) ?? null) : null;
    return { lines, chart: { ...chart, unit: 'usd', url }, sql: sqlText([f.sql]) };
  });
}

const SAVING_LABEL: Record<SavingKind, string> = {
  idle_warehouse: 'Idle warehouse',
  warehouse_without_auto_stop: 'Warehouse without auto-stop',
  cluster_without_auto_termination: 'Cluster without auto-termination',
  job_on_all_purpose: 'Job on an all-purpose cluster',
  untagged_spend: 'Untagged spend',
};

function savingsSection(s: Section<SavingsFigures>): DigestSection {
  return fromSection('Top savings', s, (f) => {
    if (f.items.length === 0)
      return {
        lines: [{ text: 'Nothing to save found.', url: null, command: null }],
        chart: null,
        sql: null,
      };
    const lines: DigestSection['lines'] = [
      {
        text: `About ${money(f.totalMonthlyUsd)}/month in ${f.items.length} ${f.items.length === 1 ? 'finding' : 'findings'}`,
        url: null,
        command: null,
      },
      ...f.items.map((i) => ({
        text: `${SAVING_LABEL[i.kind]}: ${i.subject}${i.team === null || i.kind === 'untagged_spend' ? '' : ` (${i.team})`} — ~${money(i.monthlyUsd)}/month; ${i.detail}`,
        url: null,
        command: null,
      })),
    ];
    const statements = [...new Map(f.items.map((i) => [i.sql.sql, i.sql])).values()];
    return { lines, chart: null, sql: sqlText(statements) };
  });
}

const REALISED_LABEL: Record<SavingsRealisedFigures['items'][number]['kind'], string> = {
  auto_stop_set: 'Auto-stop set',
  auto_termination_set: 'Auto-termination set',
  warehouse_deleted: 'Warehouse deleted',
  cluster_deleted: 'Cluster deleted',
  schedule_paused: 'Schedule paused',
};

function savingsRealisedSection(s: Section<SavingsRealisedFigures>): DigestSection {
  return fromSection('Savings realised (estimates)', s, (f) => {
    const lines: DigestSection['lines'] = [
      f.items.length === 0
        ? { text: 'No change this week removed spend dbxops can estimate.', url: null, command: null }
        : {
            text: `About ${money(f.totalMonthlyUsd)}/month from ${f.items.length} ${f.items.length === 1 ? 'change' : 'changes'} this week — estimates at list price: the spend each change removes, per 30 days`,
            url: null,
            command: null,
          },
      ...f.items.map((i) => ({
        text: `${REALISED_LABEL[i.kind]}: ${i.subject}${i.team === null ? '' : ` (${i.team})`} — ~${money(i.monthlyUsd)}/month; ${i.detail}`,
        url: null,
        command: null,
      })),
      ...f.notEstimated.map((text) => ({ text: `Not estimated: ${text}`, url: null, command: null })),
    ];
    const statements = [...new Map(f.items.map((i) => [i.sql.sql, i.sql])).values()];
    return { lines, chart: null, sql: statements.length === 0 ? null : sqlText(statements) };
  });
}

function weekLines(label: string, s: Section<WeekFigures>): DigestSection['lines'] {
  if (s.status === 'missing') return [{ text: `${label}: missing — ${s.reason}`, url: null, command: null }];
  const w = s.data;
  const sla =
    w.sla === null
      ? 'no SLA history'
      : `SLAs ${w.sla.met} met, ${w.sla.atRisk} at risk, ${w.sla.missed} missed`;
  const slaByTeam =
    w.sla === null || w.sla.byTeam.length === 0
      ? []
      : [
          {
            text: `${label} SLAs by team: ${w.sla.byTeam
              .map((t) => `${teamName(t.team)} ${t.met} met, ${t.atRisk} at risk, ${t.missed} missed`)
              .join('; ')}`,
            url: null,
            command: null,
          },
        ];
  const spend = w.spendByTeam.map((t) => `${teamName(t.team)} ${money(t.usd)}`).join(', ') || 'no spend';
  return [
    {
      text: `${label}: ${w.incidents} incidents, MTTD ${duration(w.meanDetectSeconds)}, MTTR ${duration(w.meanResolveSeconds)}; ${sla}`,
      url: null,
      command: null,
    },
    ...slaByTeam,
    { text: `${label} spend: ${spend}`, url: null, command: null },
  ];
}

function daily(d: DailyDigest, links: DigestLinks): Omit<DigestCardView, 'late'> {
  return {
    kind: 'digest',
    title: `Daily digest · ${d.workspace.name} · ${d.day.date}`,
    subtitle: `How the platform did, what it cost and what needs a decision (${d.timeZone})`,
    sections: [
      incidentsSection(d.incidents, links, d.day.date),
      slaSection(d.sla, d.day.date),
      openIssuesSection(d.openIssues, links),
      decisionsSection('Pending approvals', d.approvals, 'No approval is waiting.', links),
      decisionsSection('Remediations run', d.remediations, `No remediation ran on ${d.day.date}.`, links),
      spendSection(d.spend, d.day.date, links),
      savingsSection(d.savings),
    ],
  };
}

function weekly(w: WeeklyDigest, links: DigestLinks): Omit<DigestCardView, 'late'> {
  return {
    kind: 'digest',
    title: `Weekly summary · ${w.workspace.name} · week of ${w.week.date}`,
    subtitle: `The week from ${w.week.date} against the week from ${w.previousWeek.date} (${w.timeZone})`,
    sections: [
      {
        title: 'This week against the last',
        missing: null,
        lines: [...weekLines('This week', w.thisWeek), ...weekLines('Last week', w.lastWeek)],
        chart: null,
        sql: null,
      },
      decisionsSection('Remediations run this week', w.remediations, 'No remediation ran this week.', links),
      savingsRealisedSection(w.savingsRealised),
      fromSection('Recurring issues and how to prevent them', w.recurring, (list) => ({
        lines:
          list.length === 0
            ? [{ text: 'No recurring issues.', url: null, command: null }]
            : list.map((r) => ({
                text: `×${r.occurrences} ${r.title} — ${r.recommendation}`,
                url: null,
                command: null,
              })),
        chart: null,
        sql: null,
      })),
    ],
  };
}

function costReport(c: CostReport, links: DigestLinks): Omit<DigestCardView, 'late'> {
  return {
    kind: 'digest',
    title: `Cost report · ${c.team} · ${c.day.date}`,
    subtitle: `${c.workspace.name}, ${c.timeZone}`,
    sections: [spendSection(c.spend, c.day.date, links), savingsSection(c.savings)],
  };
}

/** The card of a digest, weekly summary or cost report; `late` marks a post sent after its time. */
export function digestCard(
  digest: Digest,
  links: DigestLinks = {},
  late: LateNote | null = null,
): DigestCardView {
  const body =
    digest.kind === 'daily'
      ? daily(digest, links)
      : digest.kind === 'weekly'
        ? weekly(digest, links)
        : costReport(digest, links);
  return {
    ...body,
    late:
      late === null
        ? null
        : `Sent late: due ${utc(late.dueAt)}, sent ${utc(late.sentAt)} (dbxops was not running at the time).`,
  };
}
