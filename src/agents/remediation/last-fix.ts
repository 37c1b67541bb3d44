import type { RemediationKind } from './remediation-kind.js';

/**
 * The suggestions with what fixed the last incident of the same fingerprint first, when that fix was one
 * of these suggestions; otherwise unchanged. Applied after `suggestRemediations`: a recorded fix never
 * adds an action the classification left out (a plain retry of a permission error stays out even if a
 * retry once worked after someone fixed the grant), it only puts a proven one first.
 */
export function preferLastFix(
  suggested: readonly RemediationKind[],
  lastFixAction: string | null | undefined,
): RemediationKind[] {
  const first = suggested.find((kind) => kind === lastFixAction);
  return first === undefined ? [...suggested] : [first, ...suggested.filter((kind) => kind !== first)];
}
