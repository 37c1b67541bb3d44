/**
 * Forgiving name matching for what people type about jobs, teams, warehouses and tables: case is
 * ignored, `-`, `_`, `.` and spaces are one separator, and a prefix of a name (or of a name's last
 * dotted part, for tables) counts. An exact match beats prefixes; several prefixes are ambiguous and
 * come back as candidates for the person to pick.
 */
export type NameMatch<T> =
  | { readonly kind: 'one'; readonly item: T }
  | { readonly kind: 'many'; readonly candidates: readonly T[] }
  | { readonly kind: 'none' };

/** `Team-X`, `team_x` and `team x` all become `team_x`. */
function normaliseName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[\s\-_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Candidates beyond this many are not offered as buttons: the person should type more. */
const MAX_CANDIDATES = 8;
/** Shorter prefixes match too much to mean anything ("a", "fi"). */
const MIN_PREFIX = 3;

/**
 * Matches `typed` against `items` by `nameOf`. Exact (normalised) wins; then names starting with it;
 * for dotted names (`main.finance.orders`), the last part too, so "orders" finds the table.
 */
export function matchName<T>(typed: string, items: readonly T[], nameOf: (item: T) => string): NameMatch<T> {
  const wanted = normaliseName(typed);
  if (wanted === '') return { kind: 'none' };
  const keyed = items.map((item) => {
    const full = normaliseName(nameOf(item));
    return { item, full, last: full.split('.').at(-1) ?? full };
  });
  const exact = keyed.filter((k) => k.full === wanted || k.last === wanted);
  if (exact.length === 1) return { kind: 'one', item: exact[0]!.item };
  if (exact.length > 1)
    return { kind: 'many', candidates: exact.slice(0, MAX_CANDIDATES).map((k) => k.item) };
  if (wanted.length < MIN_PREFIX) return { kind: 'none' };
  const prefixed = keyed.filter((k) => k.full.startsWith(wanted) || k.last.startsWith(wanted));
  if (prefixed.length === 1) return { kind: 'one', item: prefixed[0]!.item };
  if (prefixed.length > 1) {
    return { kind: 'many', candidates: prefixed.slice(0, MAX_CANDIDATES).map((k) => k.item) };
  }
  return { kind: 'none' };
}
