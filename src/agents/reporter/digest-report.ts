import type { SlaCounts, SlaStatus } from '../sla/sla-compliance.js';
import type { ShownSql } from './digest-queries.js';
import type { ReportWindow } from './report-period.js';

/**
 * What the digest says, as figures: the CLI prints it as JSON, the notifier turns it into a card on
 * every surface. Every section either holds its figures or says why it is missing — a late or
 * unreachable system table costs one section, never the digest.
 */
export type Section<T> =
  | { readonly status: 'ok'; readonly data: T }
  | { readonly status: 'missing'; readonly reason: string };

export interface DigestIncident {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly state: string;
  readonly team: string | null;
  readonly openedAt: number;
  /** Seconds from the first signal's occurrence to the incident opening; null without a signal. */
  readonly detectSeconds: number | null;
  /** Seconds from opening to resolution; null while unresolved at report time. */
  readonly resolveSeconds: number | null;
}

export interface IncidentFigures {
  readonly total: number;
  readonly bySeverity: Readonly<Record<'P1' | 'P2' | 'P3' | 'P4', number>>;
  /** Means over the incidents that have the figure; null when none has. */
  readonly meanDetectSeconds: number | null;
  readonly meanResolveSeconds: number | null;
  readonly resolved: number;
  readonly items: readonly DigestIncident[];
}

/**
 * One SLA deadline on the reported day, or a maximum-age SLA's day (`src/agents/sla/sla-compliance.ts`
 * judges it): for that one `deadlineAt` is when the table passed its maximum age, or the day's end.
 */
export interface SlaItem {
  /** The table promised fresh by the deadline. */
  readonly table: string;
  /** Where it is promised: a job's `sla` tag or the policy's `slas:`. */
  readonly source: 'job_tag' | 'policy';
  /** The job whose run kept it, or the table's first writer; null when no job writes it. */
  readonly jobId: string | null;
  readonly job: string | null;
  readonly team: string | null;
  /** The deadline's instant on the reported day. */
  readonly deadlineAt: number;
  readonly status: SlaStatus;
  /** When the successful run that met it ended; null when none did. */
  readonly landedAt: number | null;
  /** A maximum-age SLA's age in minutes and the oldest the table got that day; null for a daily deadline. */
  readonly maxAgeMinutes: number | null;
  readonly oldestMs: number | null;
}

export interface SlaFigures extends SlaCounts {
  readonly byTeam: readonly (SlaCounts & { readonly team: string | null })[];
  readonly items: readonly SlaItem[];
  readonly sql: readonly ShownSql[];
}

export interface OpenIssueFigures {
  readonly open: readonly DigestIncident[];
  readonly recurring: readonly {
    readonly id: string;
    readonly title: string;
    readonly occurrences: number;
    readonly lastSeenAt: number;
    readonly recommendation: string;
  }[];
}

/** Pending approvals, or remediations run: what, for which incident, and where it stands. */
export interface DecisionFigures {
  readonly items: readonly {
    readonly incidentId: string | null;
    readonly title: string;
    readonly outcome: string;
  }[];
}

export interface TeamSpend {
  /** Null: spend with no `team` tag. */
  readonly team: string | null;
  readonly dayUsd: number;
  /** Mean daily spend over the history days before the reported day (up to seven). */
  readonly averageUsd: number;
  readonly monthToDateUsd: number;
  /** Null: the policy sets no budget for the team. */
  readonly budgetUsd: number | null;
  /** Month to date plus the average day for each day left in the month. */
  readonly forecastUsd: number;
}

export interface SpendFigures {
  readonly teams: readonly TeamSpend[];
  readonly total: Omit<TeamSpend, 'team' | 'budgetUsd'>;
  /** Days of history the averages rest on (fewer than seven on a young workspace). */
  readonly historyDays: number;
  readonly month: string;
  readonly sql: ShownSql;
}

export type SavingKind =
  | 'idle_warehouse'
  | 'warehouse_without_auto_stop'
  | 'cluster_without_auto_termination'
  | 'job_on_all_purpose'
  | 'untagged_spend';

export interface Saving {
  readonly kind: SavingKind;
  /** The warehouse, cluster or job id; null for untagged spend. */
  readonly id: string | null;
  /** The warehouse, cluster or job by name; the team for untagged spend. */
  readonly subject: string;
  readonly team: string | null;
  /** The reported day's avoidable spend times 30. */
  readonly monthlyUsd: number;
  readonly detail: string;
  readonly sql: ShownSql;
}

/** What a change made in the week saves from now on, estimated as the savings section estimates. */
export interface RealisedSaving {
  readonly kind:
    | 'auto_stop_set'
    | 'auto_termination_set'
    | 'warehouse_deleted'
    | 'cluster_deleted'
    | 'schedule_paused';
  /** The warehouse, cluster or job by name. */
  readonly subject: string;
  readonly team: string | null;
  /** An estimate at list price: the spend the change removes, per 30 days. */
  readonly monthlyUsd: number;
  readonly detail: string;
  readonly sql: ShownSql;
}

export interface SavingsRealisedFigures {
  readonly items: readonly RealisedSaving[];
  readonly totalMonthlyUsd: number;
  /** Changes that saved something nobody can put a figure on (a cancelled run, a killed query). */
  readonly notEstimated: readonly string[];
}

export interface SavingsFigures {
  readonly items: readonly Saving[];
  readonly totalMonthlyUsd: number;
}

interface DigestBase {
  readonly workspace: { readonly id: string; readonly name: string };
  readonly timeZone: string;
  /** When the digest was built (workspace clock). */
  readonly generatedAt: number;
}

export interface DailyDigest extends DigestBase {
  readonly kind: 'daily';
  readonly day: ReportWindow;
  readonly incidents: Section<IncidentFigures>;
  readonly sla: Section<SlaFigures>;
  readonly openIssues: Section<OpenIssueFigures>;
  readonly approvals: Section<DecisionFigures>;
  readonly remediations: Section<DecisionFigures>;
  readonly spend: Section<SpendFigures>;
  readonly savings: Section<SavingsFigures>;
}

export interface WeekFigures {
  readonly incidents: number;
  readonly meanDetectSeconds: number | null;
  readonly meanResolveSeconds: number | null;
  /** Over the days of the week with run history; null when none had any. */
  readonly sla: (SlaCounts & { readonly byTeam: SlaFigures['byTeam'] }) | null;
  readonly spendByTeam: readonly { readonly team: string | null; readonly usd: number }[];
}

export interface WeeklyDigest extends DigestBase {
  readonly kind: 'weekly';
  readonly week: ReportWindow;
  readonly previousWeek: ReportWindow;
  readonly thisWeek: Section<WeekFigures>;
  readonly lastWeek: Section<WeekFigures>;
  /** Remediations run in the week, with their outcomes. */
  readonly remediations: Section<DecisionFigures>;
  /** What the week's changes save from now on: estimates, labelled as such. */
  readonly savingsRealised: Section<SavingsRealisedFigures>;
  readonly recurring: Section<OpenIssueFigures['recurring']>;
}

export interface CostReport extends DigestBase {
  readonly kind: 'cost_report';
  readonly team: string;
  readonly day: ReportWindow;
  readonly spend: Section<SpendFigures>;
  readonly savings: Section<SavingsFigures>;
}

export type Digest = DailyDigest | WeeklyDigest | CostReport;
