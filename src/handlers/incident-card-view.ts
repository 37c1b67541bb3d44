import { isLearnedRule, SECOND_OPINION_RULE } from '../agents/classifier/classify-error.js';
import { REMEDIATION_INFO } from '../agents/remediation/remediation-kind.js';
import { suggestRemediations } from '../agents/remediation/suggest-remediations.js';
import { preferLastFix } from '../agents/remediation/last-fix.js';
import type { IncidentFix } from '../store/incident-fix-repository.js';
import type { HomeIncident, IncidentCardView, IncidentState } from '../cards/card-views.js';
import { linkSchema } from '../cards/card-views.js';
import type { Incident, TimelineEntry } from '../domain/incident.js';
import type { Signal } from '../domain/signal.js';
import type { IncidentExplanation } from '../store/incident-explanation-repository.js';

export interface IncidentCardContext {
  readonly timeline?: readonly TimelineEntry[];
  /** The signal that opened the incident (its root cause), when known. */
  readonly rootSignal?: Signal | undefined;
  readonly workspaceName?: string | undefined;
  readonly workspaceUrl?: string | null | undefined;
  /** The console page with the whole story. */
  readonly detailsUrl?: string | null | undefined;
  /** Decides whether a snooze is still running. */
  readonly nowMs: number;
  /** The model's drafted explanation, once there is one. */
  readonly explanation?: IncidentExplanation | undefined;
  /** What fixed the last incident with the same fingerprint, as its resolver recorded it. */
  readonly lastFix?: IncidentFix | undefined;
}

/** A link the card schema accepts, or null: a hostile `javascript:` URL from a webhook never becomes a link. */
function safeLink(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  return linkSchema.safeParse(url).success ? url : null;
}

/** The card's state: the domain has no "snoozed" state, it is an open incident with a running snooze. */
function cardState(incident: Pick<Incident, 'state' | 'snoozedUntil'>, nowMs: number): IncidentState {
  if (incident.state !== 'resolved' && incident.snoozedUntil !== null && incident.snoozedUntil > nowMs)
    return 'snoozed';
  return incident.state;
}

/**
 * Builds the platform-neutral incident card from the stored incident, its timeline and its root signal.
 * The suggested remediations come from the root signal; their ids are remediation kinds.
 */
export function incidentCardView(incident: Incident, context: IncidentCardContext): IncidentCardView {
  const signal = context.rootSignal;
  const evidenceUrl = signal?.evidence.find((e) => e.url !== undefined)?.url;
  const classification = signal?.classification;
  return {
    kind: 'incident',
    incidentId: incident.id,
    version: incident.version,
    severity: incident.severity,
    state: cardState(incident, context.nowMs),
    title: incident.title,
    workspace: { name: context.workspaceName ?? incident.workspaceId, url: safeLink(context.workspaceUrl) },
    rootCause: {
      summary: incident.summary ?? signal?.error?.message.split('\n')[0] ?? incident.title,
      evidence: {
        errorExcerpt:
          signal?.error?.message ?? signal?.evidence.find((e) => e.excerpt !== undefined)?.excerpt ?? null,
        ...failing(signal),
        runUrl: safeLink(evidenceUrl),
        // A label of a link or an excerpt only names it ("Run page", "Error trace"): not a fact to show.
        facts: (signal?.evidence ?? [])
          .filter((e) => e.url === undefined && e.excerpt === undefined)
          .map((e) => e.label)
          .slice(0, MAX_FACTS),
        links: signal === undefined ? [] : workspaceLinks(signal, safeLink(context.workspaceUrl)),
      },
    },
    classification:
      classification === undefined
        ? null
        : {
            category: classification.category,
            transient: classification.transient,
            action: classification.action ?? (classification.transient ? 'retry' : 'page owner'),
            fixHint: classification.fixHint ?? null,
            by: classifiedBy(classification.rule),
          },
    blastRadius: {
      downstreamJobs: [...incident.blastRadius.jobs],
      tables: [...incident.blastRadius.tables],
      dashboards: [...incident.blastRadius.dashboards],
      teams: [...incident.blastRadius.teams],
      total: incident.blastRadius.count,
    },
    slaDeadlineMs: incident.slaDeadline,
    slaMaxAgeMinutes: maxAgeOf(signal, incident.slaDeadline),
    startedAtMs: Math.min(incident.openedAt, signal?.occurredAt ?? incident.openedAt),
    costUsd: incident.costUsd,
    owner: incident.owner,
    team: incident.team,
    assignee: incident.assignee,
    acknowledgedBy: incident.acknowledgedBy,
    snoozedUntilMs: incident.snoozedUntil,
    timeline: (context.timeline ?? []).map((t) => ({ atMs: t.at, phase: t.phase, text: t.summary })),
    lastFix:
      context.lastFix === undefined
        ? null
        : {
            text: context.lastFix.text,
            by: context.lastFix.recordedBy,
            atMs: context.lastFix.recordedAt,
            action: context.lastFix.action,
          },
    remediations: preferLastFix(suggestRemediations(signal), context.lastFix?.action).map((kind) => ({
      id: kind,
      label: REMEDIATION_INFO[kind].label,
      risk: REMEDIATION_INFO[kind].risk,
      description: REMEDIATION_INFO[kind].description,
    })),
    detailsUrl: safeLink(context.detailsUrl),
    explanation:
      context.explanation === undefined
        ? null
        : { text: context.explanation.text, model: context.explanation.model },
  };
}

/**
 * The maximum age the incident's SLA promises, when the root signal is about a maximum-age SLA and its
 * moment of growing too old is the incident's SLA deadline (not another, nearer one that joined it).
 */
function maxAgeOf(signal: Signal | undefined, deadline: number | null): number | null {
  const maxAge = signal?.metrics.maxAgeMinutes;
  if (maxAge === undefined || deadline === null || signal?.metrics.deadline !== deadline) return null;
  return Number.isInteger(maxAge) && maxAge > 0 ? maxAge : null;
}

/** Measured facts a card shows at most: the detectors' first, most telling lines. */
const MAX_FACTS = 5;

/**
 * What broke, by kind: a job (with its task) for run failures, else the object itself — a table, a
 * cluster, a warehouse, a query (by its statement id: it has no other name) — so a table is never
 * called a job. A task subject is named `job / task`; the job's own name is the part before.
 */
function failing(
  signal: Signal | undefined,
): Pick<IncidentCardView['rootCause']['evidence'], 'failingJob' | 'failingTask' | 'failingObject'> {
  if (signal === undefined) return { failingJob: null, failingTask: null, failingObject: null };
  const { subject, refs } = signal;
  if (subject.type === 'job' || subject.type === 'task') {
    const task = refs.taskKey ?? null;
    const name = subject.name ?? (refs.jobId === undefined ? subject.id : `job ${refs.jobId}`);
    const suffix = task === null ? '' : ` / ${task}`;
    const job = suffix !== '' && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
    return { failingJob: job, failingTask: task, failingObject: null };
  }
  const name = subject.type === 'query' ? subject.id : (subject.name ?? subject.id);
  return { failingJob: null, failingTask: null, failingObject: { type: subject.type, name } };
}

/**
 * Links to the objects behind the signal in the workspace's own UI, built from its URL (none without
 * one): the job, pipeline, cluster, warehouse, statement or table, each once.
 */
function workspaceLinks(
  signal: Signal,
  workspaceUrl: string | null,
): IncidentCardView['rootCause']['evidence']['links'] {
  if (workspaceUrl === null) return [];
  const base = workspaceUrl.replace(/\/+$/, '');
  const o = `?o=${encodeURIComponent(signal.workspaceId)}`;
  const { refs, subject } = signal;
  const links: Array<{ label: string; url: string }> = [];
  const add = (label: string, url: string) => {
    if (linkSchema.safeParse(url).success) links.push({ label, url });
  };
  if (refs.jobId !== undefined) add('Job', `${base}/${o}#job/${encodeURIComponent(refs.jobId)}`);
  if (refs.pipelineId !== undefined)
    add('Pipeline', `${base}/${o}#joblist/pipelines/${encodeURIComponent(refs.pipelineId)}`);
  if (refs.clusterId !== undefined)
    add('Cluster', `${base}/${o}#setting/clusters/${encodeURIComponent(refs.clusterId)}/configuration`);
  if (refs.warehouseId !== undefined)
    add('Warehouse', `${base}/sql/warehouses/${encodeURIComponent(refs.warehouseId)}${o}`);
  if (subject.type === 'query')
    add('Query', `${base}/sql/history${o}&queryId=${encodeURIComponent(subject.id)}`);
  if (subject.type === 'table') {
    const path = subject.id.split('.').map(encodeURIComponent).join('/');
    add('Table', `${base}/explore/data/${path}${o}`);
  }
  return links;
}

/** One row of the Home tab / `/dbx incidents` list. */
export function homeIncident(
  incident: Incident,
  nowMs: number,
  url: string | null = null,
  workspace?: string,
): HomeIncident {
  return {
    incidentId: incident.id,
    severity: incident.severity,
    state: cardState(incident, nowMs),
    // Several workspaces watched: each line says which one, before its title, on every surface alike.
    title: workspace === undefined ? incident.title : `${workspace}: ${incident.title}`,
    slaDeadlineMs: incident.slaDeadline,
    assignee: incident.assignee,
    url: safeLink(url),
  };
}

/** Who made a classification, from the rule it carries: the card says so when it was not a rule. */
function classifiedBy(rule: string): 'rules' | 'learned' | 'model' {
  if (rule === SECOND_OPINION_RULE) return 'model';
  return isLearnedRule(rule) ? 'learned' : 'rules';
}
