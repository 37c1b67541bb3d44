/**
 * What a refused press is told when an hourly rate limit is reached: said by the guardrails at the
 * press and by the audit log when it refuses to record an execution past the limit, in the same words.
 */
export function rateLimitMessage(
  scope: 'per_job' | 'total',
  executed: number,
  limit: number,
  resource: string | null,
): string {
  const actions = `${executed} action${executed === 1 ? '' : 's'}`;
  return scope === 'per_job'
    ? `${actions} already ran on ${resource ?? 'it'} in the last hour; the limit is ${limit}.`
    : `${actions} already ran in the last hour; the limit is ${limit} in all.`;
}
