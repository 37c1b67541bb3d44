import type { Severity } from '../domain/severity.js';
import type { IncidentState, Risk } from './card-views.js';

/**
 * Words, emoji and colours shared by every surface, so an incident looks the same in Slack, Teams and
 * the console. Emoji are Unicode, not Slack `:shortcodes:`, because Teams and HTML show them as-is.
 */
export const SEVERITY_STYLE: Record<
  Severity,
  {
    emoji: string;
    label: string;
    hex: string;
    /** The Adaptive Card container style of the card's header. */
    teamsContainer: 'attention' | 'warning' | 'accent' | 'emphasis';
  }
> = {
  P1: { emoji: '🔴', label: 'P1 · critical', hex: '#d0312d', teamsContainer: 'attention' },
  P2: { emoji: '🟠', label: 'P2 · high', hex: '#e8912d', teamsContainer: 'warning' },
  P3: { emoji: '🟡', label: 'P3 · medium', hex: '#d4b106', teamsContainer: 'accent' },
  P4: { emoji: '🔵', label: 'P4 · low', hex: '#3b73b9', teamsContainer: 'emphasis' },
};

export const STATE_LABEL: Record<IncidentState, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  mitigating: 'Mitigating',
  resolved: '✅ Resolved',
  escalated: '⏫ Escalated',
  snoozed: '💤 Snoozed',
};

export const RISK_LABEL: Record<Risk, string> = {
  low: '🟢 low risk',
  medium: '🟠 medium risk',
  high: '🔴 high risk',
};

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });

/** "$1,234.50"; null becomes "unknown" rather than a misleading $0. */
export function formatUsd(amount: number | null): string {
  return amount === null ? 'unknown' : usd.format(amount);
}

/** "04:12 UTC": timeline times in UTC so everyone on the incident reads the same clock. */
export function formatTimeUtc(ms: number): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm} UTC`;
}

/** "2026-11-22 04:12 UTC" for moments that may be on another day (snoozed until …). */
export function formatDateTimeUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)} ${formatTimeUtc(ms)}`;
}

/**
 * The line an incident card shows first when the last incident with its fingerprint had a recorded fix:
 * "🛠 Fixed last time by Alice on 2026-12-05 04:12 UTC: Repair failed tasks". Plain text: each renderer
 * escapes it and cuts `text` to its own budget.
 */
export function lastFixLine(fix: { by: string; atMs: number }): string {
  return `🛠 Fixed last time by ${fix.by} on ${formatDateTimeUtc(fix.atMs)}: `;
}

/** A cell of an answer table as text: null shows as an em dash so an empty cell is visibly empty. */
export function formatCell(cell: string | number | boolean | null): string {
  if (cell === null) return '—';
  return String(cell);
}

/** Pretty JSON for an API body, or an empty string when there is none. */
export function formatJson(body: unknown): string {
  if (body === undefined) return '';
  try {
    return JSON.stringify(body, null, 2) ?? '';
  } catch {
    // A body with a cycle or a bigint cannot be shown as JSON; say so instead of failing the card.
    return '(body cannot be shown as JSON)';
  }
}

/** Which model's words these are, and that a person checks them: under every drafted explanation. */
export function draftByline(model: string): string {
  return `Draft by ${model.slice(0, 100)}, from the evidence above — check before acting`;
}

/**
 * How a classification not made by a rule is introduced, the same on every surface: a reader must
 * know a label is a guess before acting on it. `null` for the rules' own.
 */
export function classificationSource(by: 'rules' | 'learned' | 'model'): string | null {
  if (by === 'model') return 'the language model’s opinion';
  if (by === 'learned') return 'a guess learned from similar errors';
  return null;
}
