import { editDistance, withinTypos } from './name-match.js';

/** A name of the workspace and the kind of thing it names. */
export interface KindedName<K extends string> {
  readonly kind: K;
  readonly name: string;
}

/** What a question's loosely typed names were read as. */
export interface NamesSpelt<K extends string> {
  /** The question with each name typed loosely put as the name itself. */
  readonly text: string;
  /** Each reading, for the answer to say: `"mkt bi" read as marketing_bi`. */
  readonly read: readonly string[];
  /** Words that fit several names equally: none is guessed, the candidates are offered. */
  readonly ambiguous?: { readonly typed: string; readonly candidates: readonly KindedName<K>[] };
}

/**
 * Whether `short` abbreviates `word`: a prefix of three letters or more ("fin", "plat", "perf", "prod"),
 * or — keeping the first letter and dropping vowels, as people shorten words ("mkt", "mktg", "ops" for
 * operations, "eng") — its letters in order with a consonant second. Shorter than the word, letters only.
 */
function abbreviates(short: string, word: string): boolean {
  if (!/^[a-z]{3,}$/.test(short) || short.length >= word.length || short[0] !== word[0]) return false;
  if (word.startsWith(short)) return true;
  if (/^.[aeiou]/.test(short)) return false;
  let at = 0;
  for (const ch of short) {
    at = word.indexOf(ch, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

type Fit = 'exact' | 'short' | 'typo';

/**
 * How a typed word fits a name's word: the same, one shortening the other ("mkt" and "marketing" either
 * way round), or a typo of it (same first letter, one edit — two from seven letters: "dialy",
 * "paymnts", "platfrom"); undefined when it does not.
 */
function fitOf(typed: string, word: string): Fit | undefined {
  if (typed === word) return 'exact';
  if (typed[0] !== word[0]) return undefined;
  if (abbreviates(typed, word) || abbreviates(word, typed)) return 'short';
  if (typed.length >= 4 && word.length >= 4 && /^[a-z]+$/.test(typed) && withinTypos(typed, word))
    return 'typo';
  return undefined;
}

interface Token {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  /** Whether it starts, or ends, a word joined by `_` or `-` ("mkt_sesionize_v2"): read whole or not at all. */
  readonly first: boolean;
  readonly last: boolean;
}

interface Reading<K extends string> {
  readonly first: number;
  readonly count: number;
  readonly names: KindedName<K>[];
}

/**
 * The question with names typed loosely put right: two or more words in a row (or the parts of one
 * word joined by `_` or `-`) that are, word by word, the words of a run of one name's words — each the
 * same, shortened ("mkt bi" → `marketing_bi`, "camp perf" → `mkt_campaign_performance`, "fin wh" →
 * `finance_wh`) or misspelt ("finance_paymnts_hourly", "orders dialy") — become that name, when they
 * fit exactly one name. Words all typed as the name has them are left to the name matching that
 * already reads them; at least one word must be the name's own, unless every word shortens one
 * (a typo of a shortening is a guess too far). `plain(word)` tells the words never to bend: the
 * question's own ("the", "and", "failed").
 */
export function withNamesSpelt<K extends string>(
  question: string,
  names: readonly KindedName<K>[],
  plain: (word: string) => boolean,
): NamesSpelt<K> {
  // A part of a dotted name (main.platform.cost_rep) is a table's, matched as one: its words are not read here.
  const tokens: Token[] = [...question.matchAll(/(?<![\w.])[A-Za-z0-9_-]+(?![\w.])/g)].flatMap((m) =>
    [...m[0].matchAll(/[A-Za-z0-9]+/g)].map((w, i, all) => ({
      word: w[0].toLowerCase(),
      start: m.index + w.index,
      end: m.index + w.index + w[0].length,
      first: i === 0,
      last: i === all.length - 1,
    })),
  );
  // Words of one name are typed side by side: joined by spaces, `_` or `-`, never by punctuation.
  const joined = (a: Token, b: Token) => /^[\s_-]+$/.test(question.slice(a.end, b.start));
  const wordsOf = names.map((n) =>
    n.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== ''),
  );
  // Thousands of names share few words: each typed word is held against each distinct word once, and a
  // name is looked at only from a word of it that the first typed word fits.
  // Every fit keeps the first letter: the words are kept by theirs.
  const byLetter = new Map<string, Map<string, { name: number; index: number }[]>>();
  wordsOf.forEach((words, name) => {
    words.forEach((word, index) => {
      const at = byLetter.get(word[0] ?? '') ?? new Map<string, { name: number; index: number }[]>();
      const list = at.get(word) ?? [];
      list.push({ name, index });
      at.set(word, list);
      byLetter.set(word[0] ?? '', at);
    });
  });
  const fits = new Map<string, Fit | undefined>();
  const fitFor = (typed: string, word: string): Fit | undefined => {
    const key = `${typed} ${word}`;
    if (!fits.has(key)) fits.set(key, fitOf(typed, word));
    return fits.get(key);
  };
  const readings: Reading<K>[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const start = tokens[i] as Token;
    if (!start.first) continue;
    const byCount = new Map<number, Set<KindedName<K>>>();
    for (const [word, places] of byLetter.get(start.word[0] ?? '') ?? []) {
      const fit = fitFor(start.word, word);
      if (fit === undefined || (fit !== 'exact' && plain(start.word))) continue;
      for (const { name, index } of places) {
        const words = wordsOf[name] ?? [];
        const run: Fit[] = [fit];
        for (let j = 1; i + j < tokens.length && index + j < words.length; j++) {
          const token = tokens[i + j] as Token;
          if (!joined(tokens[i + j - 1] as Token, token)) break;
          const next = fitFor(token.word, words[index + j] as string);
          if (next === undefined || (next !== 'exact' && plain(token.word))) break;
          run.push(next);
          const loose = run.some((f) => f !== 'exact');
          const anchored = run.includes('exact') || run.every((f) => f === 'short');
          if (loose && anchored && token.last) {
            const set = byCount.get(run.length) ?? new Set();
            set.add(names[name] as KindedName<K>);
            byCount.set(run.length, set);
          }
        }
      }
    }
    const longest = Math.max(0, ...byCount.keys());
    if (longest > 0) readings.push({ first: i, count: longest, names: [...(byCount.get(longest) ?? [])] });
  }
  // The longest readings first; a word already read is not read again.
  readings.sort((a, b) => b.count - a.count || a.first - b.first);
  const taken = new Set<number>();
  const chosen: Reading<K>[] = [];
  for (const r of readings) {
    const span = Array.from({ length: r.count }, (_, j) => r.first + j);
    if (span.some((t) => taken.has(t))) continue;
    for (const t of span) taken.add(t);
    chosen.push(r);
  }
  const typedOf = (r: Reading<K>) =>
    question.slice((tokens[r.first] as Token).start, (tokens[r.first + r.count - 1] as Token).end);
  const several = chosen.find((r) => r.names.length > 1);
  if (several !== undefined)
    return { text: question, read: [], ambiguous: { typed: typedOf(several), candidates: several.names } };
  let text = question;
  const read: string[] = [];
  // From the end, so the earlier offsets still hold.
  for (const r of [...chosen].sort((a, b) => b.first - a.first)) {
    const name = (r.names[0] as KindedName<K>).name;
    const typed = typedOf(r);
    text = `${text.slice(0, (tokens[r.first] as Token).start)}${name}${text.slice((tokens[r.first + r.count - 1] as Token).end)}`;
    read.unshift(`"${typed}" read as ${name}`);
  }
  return { text, read };
}

/** A table named by the words of its schema and name, typed with spaces ("marketing events"). */
export interface TableSpelt {
  /** The words as typed. */
  readonly typed: string;
  readonly table: string;
  readonly start: number;
  readonly end: number;
}

/** Each workspace's names are read for every question: their keys are built once per list. */
const tableKeys = new WeakMap<readonly string[], { keyed: Map<string, string[]>; longest: number }>();

function tableKeysOf(tables: readonly string[]): { keyed: Map<string, string[]>; longest: number } {
  const cached = tableKeys.get(tables);
  if (cached !== undefined) return cached;
  // Each table's schema and name, as words: `main.finance.daily_revenue` → finance daily revenue.
  const keyed = new Map<string, string[]>();
  for (const table of tables) {
    const parts = table.toLowerCase().split('.');
    if (parts.length < 2) continue;
    const key = parts
      .slice(-2)
      .join('_')
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== '')
      .join(' ');
    keyed.set(key, [...(keyed.get(key) ?? []), table]);
  }
  // No run is longer than the longest table's words: a long question is read in linear time.
  let longest = 0;
  for (const k of keyed.keys()) longest = Math.max(longest, k.split(' ').length);
  const built = { keyed, longest };
  tableKeys.set(tables, built);
  return built;
}

/**
 * Tables named word for word by their schema's and their own name's words, as people say a dataset
 * ("marketing events" is `main.marketing.events`, "finance daily revenue" `main.finance.daily_revenue`):
 * two words or more, each typed as the table has it, in a row and ending the table's name — a run that
 * fits several tables names none of them. Dotted names are read as they are elsewhere.
 */
export function tablesSpeltOut(question: string, tables: readonly string[]): TableSpelt[] {
  const words = [...question.matchAll(/(?<![\w.])[A-Za-z0-9]+(?![\w.])/g)].map((m) => ({
    word: m[0].toLowerCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const { keyed, longest } = tableKeysOf(tables);
  const out: TableSpelt[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = Math.min(words.length, i + longest); j >= i + 2; j--) {
      const run = words.slice(i, j);
      // Words of one name are typed side by side: joined by spaces, never by punctuation.
      if (run.some((w, k) => k > 0 && !/^\s+$/.test(question.slice(run[k - 1]!.end, w.start)))) continue;
      const found = keyed.get(run.map((w) => w.word).join(' '));
      if (found?.length !== 1) continue;
      out.push({
        typed: question.slice(run[0]!.start, run.at(-1)!.end),
        table: found[0]!,
        start: run[0]!.start,
        end: run.at(-1)!.end,
      });
      i = j - 1;
      break;
    }
  }
  return out;
}

const wordIndexes = new WeakMap<
  readonly KindedName<string>[],
  { wordsOf: string[][]; byLetter: Map<string, string[]> }
>();

/** The names' words, and the distinct ones by first letter (every fit keeps it), built once per list. */
function wordIndexOf(names: readonly KindedName<string>[]): {
  wordsOf: string[][];
  byLetter: Map<string, string[]>;
} {
  const cached = wordIndexes.get(names);
  if (cached !== undefined) return cached;
  const wordsOf = names.map((n) =>
    n.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== ''),
  );
  const sets = new Map<string, Set<string>>();
  for (const w of wordsOf.flat()) sets.set(w[0] ?? '', (sets.get(w[0] ?? '') ?? new Set()).add(w));
  const built = { wordsOf, byLetter: new Map([...sets].map(([letter, set]) => [letter, [...set]])) };
  wordIndexes.set(names, built);
  return built;
}

/** Candidates offered at most when one misspelt word fits several names' words. */
const MAX_OFFERED = 8;

/**
 * A lone word misspelt from a word of the workspace's names ("finanse", "ordrs", "platfrm") put right,
 * so the names are matched as if typed so: a word of five letters or more, letters only, that is no
 * name's word nor starts one, and is one typo away (same first letter, one edit, two from seven
 * letters) from exactly one distinct word of the names. Several such words are no guess: the names
 * holding them are offered. `plain(word)` tells the words never to bend, as for `withNamesSpelt`.
 */
export function withWordsSpelt<K extends string>(
  question: string,
  names: readonly KindedName<K>[],
  plain: (word: string) => boolean,
): NamesSpelt<K> {
  const { wordsOf, byLetter } = wordIndexOf(names);
  const near = (typed: string) => byLetter.get(typed[0] ?? '') ?? [];
  const known = (typed: string) => near(typed).some((w) => w.startsWith(typed) || typed.startsWith(w));
  let text = question;
  const read: string[] = [];
  const seen = new Map<string, string | undefined>();
  // From the end, so the earlier offsets still hold; a word joined to others by `_`, `-` or `.` is part
  // of a name already read whole, or of none.
  // Four letters are one edit from too many English words ("date" from "data").
  const lone = [...question.matchAll(/(?<![\w.-])[A-Za-z]{5,}(?![\w.-])/g)].reverse();
  for (const m of lone) {
    const typed = m[0].toLowerCase();
    if (plain(typed) || known(typed)) continue;
    if (!seen.has(typed)) {
      const within = near(typed).filter((w) => w.length >= 4 && withinTypos(typed, w));
      // The nearest words only: "sessionze" is one edit from "sessionize", two from "sessions".
      const distance = (w: string) => editDistance(typed, w, 2);
      const least = Math.min(...within.map(distance));
      const fits = within.filter((w) => distance(w) === least);
      if (fits.length > 1) {
        const candidates = names.filter((_, i) => wordsOf[i]?.some((w) => fits.includes(w)));
        return {
          text: question,
          read: [],
          ambiguous: { typed: m[0], candidates: candidates.slice(0, MAX_OFFERED) },
        };
      }
      seen.set(typed, fits[0]);
    }
    const word = seen.get(typed);
    if (word === undefined) continue;
    text = `${text.slice(0, m.index)}${word}${text.slice(m.index + m[0].length)}`;
    if (!read.includes(`"${m[0]}" read as "${word}"`)) read.unshift(`"${m[0]}" read as "${word}"`);
  }
  return { text, read };
}
