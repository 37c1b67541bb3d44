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
export function normaliseName(name: string): string {
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

/** Nearest names offered for a name that matches nothing. */
const NEAREST = 5;

/**
 * Edits between two strings (insert, delete, substitute, swap two neighbours): how far a typo is from
 * a name. Stops counting past `max`, so ranking thousands of job names stays cheap.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The names nearest to `typed`, nearest first, for a name that matched nothing: one that contains
 * what was typed ("orders" → `nightly_orders`) before one a few typos away ("finanse" → `finance`).
 * Names further than half their length away are no suggestion; at most five come back.
 */
export function nearestNames<T>(typed: string, items: readonly T[], nameOf: (item: T) => string): T[] {
  const wanted = normaliseName(typed);
  if (wanted === '') return [];
  const max = Math.max(2, Math.ceil(wanted.length / 2));
  const scored: { item: T; score: number; name: string }[] = [];
  for (const item of items) {
    const full = normaliseName(nameOf(item));
    const last = full.split('.').at(-1) ?? full;
    const score = full.includes(wanted)
      ? 0.5 + (full.length - wanted.length) / 1_000
      : Math.min(editDistance(wanted, full, max), editDistance(wanted, last, max));
    if (score <= max) scored.push({ item, score, name: full });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, NEAREST).map((s) => s.item);
}

/**
 * Whether `typed` is a typo of `name`: same first letter, and one edit away (two for seven letters or
 * more) — tighter than the nearest names, since it decides that a plain word was meant as a name.
 */
export function withinTypos(typed: string, name: string): boolean {
  const a = normaliseName(typed);
  const b = normaliseName(name);
  if (a === b || a[0] !== b[0]) return false;
  const max = a.length >= 7 ? 2 : 1;
  return editDistance(a, b, max) <= max;
}

/**
 * Matches `typed` against whole words inside names ("orders" in `finance_orders_daily`, "platform" in
 * `data-platform`): looser than a prefix, so callers use it only where the question says which kind
 * of thing it names ("the orders job", "the platform team").
 */
export function matchWordPart<T>(
  typed: string,
  items: readonly T[],
  nameOf: (item: T) => string,
): NameMatch<T> {
  const wanted = normaliseName(typed)
    .split(/[_.]/)
    .filter((w) => w !== '');
  // A whole word is no prefix: two letters beside a kind word name one ("the bi warehouse" is marketing_bi).
  if (wanted.length === 0 || wanted.join('').length < 2) return { kind: 'none' };
  const fits = items.filter((item) => {
    const parts = normaliseName(nameOf(item)).split(/[_.]/);
    return parts.some((_, i) => wanted.every((w, j) => parts[i + j] === w));
  });
  if (fits.length === 1) return { kind: 'one', item: fits[0]! };
  if (fits.length > 1) return { kind: 'many', candidates: fits.slice(0, MAX_CANDIDATES) };
  return { kind: 'none' };
}
