import { z } from 'zod';

/** Incident severity, P1 (most severe: production down, SLA breached) to P4 (informational). */
export const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

/** 1 for P1 … 4 for P4: lower is more severe. */
function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity) + 1;
}

/** True when `a` is strictly more severe than `b` (P1 is higher than P2). */
export function isHigher(a: Severity, b: Severity): boolean {
  return severityRank(a) < severityRank(b);
}

/** The most severe of the given severities; P4 for none. */
export function maxSeverity(...severities: readonly Severity[]): Severity {
  let best: Severity = 'P4';
  for (const s of severities) if (isHigher(s, best)) best = s;
  return best;
}

/** Sort comparator that puts the most severe first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return severityRank(a) - severityRank(b);
}

/** One step more severe (P3 → P2), saturating at P1. Escalation uses it. */
export function raiseSeverity(severity: Severity): Severity {
  return SEVERITIES[Math.max(0, severityRank(severity) - 2)] ?? 'P1';
}
