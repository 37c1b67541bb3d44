/**
 * Forgiving name matching for what people type in chat: case, `-` against `_` (and spaces) and a
 * prefix are forgiven, in that order of trust. An exact (normalised) match wins over prefixes; two or
 * more equally good matches are ambiguous and come back as candidates to choose from.
 */
export type NameMatch<T> =
  | { readonly kind: 'one'; readonly item: T }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly T[] }
  | { readonly kind: 'none' };

/** `Finance_ETL`, `finance-etl` and `finance etl` read the same. */
export function normaliseName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]+/g, '-');
}

/** Candidates beyond this are not offered: a prefix of one letter is not a choice anyone can make. */
const MAX_CANDIDATES = 8;

export function matchName<T>(typed: string, items: readonly T[], nameOf: (item: T) => string): NameMatch<T> {
  const wanted = normaliseName(typed);
  if (wanted === '') return { kind: 'none' };
  const pick = (found: readonly T[]): NameMatch<T> | undefined => {
    if (found.length === 1) return { kind: 'one', item: found[0]! };
    if (found.length > 1) return { kind: 'ambiguous', candidates: found.slice(0, MAX_CANDIDATES) };
    return undefined;
  };
  const exact = items.filter((i) => normaliseName(nameOf(i)) === wanted);
  const prefix = items.filter((i) => normaliseName(nameOf(i)).startsWith(wanted));
  return pick(exact) ?? pick(prefix) ?? { kind: 'none' };
}
