import { formatTimeUtc } from './card-format.js';
import type { IncidentCardView } from './card-views.js';
import { spanText } from '../domain/duration.js';

/**
 * The words of an incident card that every surface says alike — who owns it, when it began, what broke,
 * what the classifier suggests — shared by the Slack, Teams and console renderers, which only lay them
 * out and escape them for their surface.
 */

/** The classifier's actions (`error-label.ts`) as an on-call engineer says them. */
const ACTION_WORDS: Readonly<Record<string, string>> = {
  RETRY: 'retry',
  RETRY_WITH_NEW_PARAMS: 'retry with new settings',
  NOTIFY_OWNER: 'ask the owner',
  ESCALATE: 'escalate',
};

/** "retry with new settings" for `RETRY_WITH_NEW_PARAMS`; free text (a model's, a test's) as it is. */
function actionWords(action: string): string {
  return ACTION_WORDS[action] ?? action;
}

/** "resource · not transient · suggested: retry with new settings" */
export function classificationText(c: NonNullable<IncidentCardView['classification']>): string {
  return `${c.category} · ${c.transient ? 'transient' : 'not transient'} · suggested: ${actionWords(c.action)}`;
}

/** "alice@example.com · team billing", "team billing", or null when nobody is known. */
export function ownerText(view: Pick<IncidentCardView, 'owner' | 'team'>): string | null {
  const parts = [view.owner, view.team === null ? null : `team ${view.team}`].filter(
    (x): x is string => x !== null && x !== '',
  );
  return parts.length === 0 ? null : parts.join(' · ');
}

/** "01:12 UTC (3 h 5 min ago)"; null when the start is unknown. */
export function startedText(view: Pick<IncidentCardView, 'startedAtMs'>, nowMs: number): string | null {
  if (view.startedAtMs === null) return null;
  const ago = nowMs - view.startedAtMs;
  const relative = ago < 60_000 ? 'just now' : `${spanText(ago)} ago`;
  return `${formatTimeUtc(view.startedAtMs)} (${relative})`;
}

/** What broke, kind first: `[['job', 'orders_nightly'], ['task', 'ingest']]` or `[['table', 'main.x']]`. */
export function failingParts(view: IncidentCardView): Array<readonly [kind: string, name: string]> {
  const ev = view.rootCause.evidence;
  const parts: Array<readonly [string, string]> = [];
  if (ev.failingJob !== null) parts.push(['job', ev.failingJob]);
  if (ev.failingTask !== null) parts.push(['task', ev.failingTask]);
  if (ev.failingObject !== null) parts.push([ev.failingObject.type, ev.failingObject.name]);
  return parts;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The root cause's summary and error excerpt, each only when it adds something: a summary that repeats
 * the title, or that the excerpt opens with anyway, is left out rather than read twice.
 */
export function causeText(view: IncidentCardView): { summary: string | null; excerpt: string | null } {
  const raw = view.rootCause.summary.trim();
  const text = view.rootCause.evidence.errorExcerpt?.trim() ?? '';
  const excerpt = text === '' || same(text, view.title) ? null : text;
  const repeated =
    raw === '' || same(raw, view.title) || excerpt?.toLowerCase().startsWith(raw.toLowerCase()) === true;
  return { summary: repeated ? null : raw, excerpt };
}

/** The detectors' measured facts not already said by the title or the excerpt, at most `max`. */
export function evidenceFacts(view: IncidentCardView, max: number): string[] {
  const { excerpt } = causeText(view);
  const seen = new Set<string>();
  return view.rootCause.evidence.facts
    .filter((f) => {
      const key = f.trim().toLowerCase();
      if (key === '' || seen.has(key) || same(f, view.title) || (excerpt !== null && same(f, excerpt)))
        return false;
      seen.add(key);
      return true;
    })
    .slice(0, max);
}

/** Workspace links a card shows at most: one per kind of object is never more than this. */
const MAX_LINKS = 6;

/** The workspace links to show, each labelled in lower case for the middle of a sentence. */
export function workspaceLinks(view: IncidentCardView): Array<{ label: string; url: string }> {
  return view.rootCause.evidence.links
    .slice(0, MAX_LINKS)
    .map((l) => ({ label: l.label.toLowerCase().slice(0, 50), url: l.url }));
}
