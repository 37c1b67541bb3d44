const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Resolves a scenario instant (`2026-11-20T02:00:00Z` or an offset from the scenario start such as
 * `+2h`) to epoch milliseconds. The schema has already checked the shape.
 */
export function resolveInstant(value: string, startMs: number): number {
  const offset = /^\+(\d+(?:\.\d+)?)([smhd])$/.exec(value);
  if (offset) return startMs + Math.round(Number(offset[1]) * UNIT_MS[offset[2] as keyof typeof UNIT_MS]);
  return Date.parse(value);
}
