// The learned error classifier: how its model, settings and thresholds were chosen, and how fast it
// loads and answers. Prints; passes or fails on nothing.
//
//   node --import tsx bench/learned-classifier.bench.ts
//
// Everything here reads the `tune` rows only (the shipped training examples; their `source` comes
// from the corpus beside them). 10-fold cross-validation grouped by repository: a repository's rows
// (and so a thread's) sit in one fold only, so no held-out error has a near-copy from its own thread
// on the training side. Each fold's learned layer is trained on the other nine, and the whole
// classifier (rules, then the learned layer where they give up or only guess) answers the fold. The
// rules were written from these rows, so the rules-side figures are an upper bound; the rows gathered
// blind (`u4-` … `u10-`, `u11a-` … `u14b-`, `unseen-`, `unseen3-`) are the closest to new text and are shown apart.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  type Classification,
  createErrorClassifier,
  DEFAULT_LEARNED_POLICY,
  type LearnedPolicy,
} from '../src/agents/classifier/classify-error.js';
import { loadDefaultErrorPatterns, NEVER_RETRY_CATEGORIES } from '../src/agents/classifier/error-patterns.js';
import { errorTokens } from '../src/agents/classifier/error-tokens.js';
import {
  DEFAULT_LEARNED_OPTIONS,
  type LearnedClassifier,
  type LearnedExample,
  type LearnedGuess,
  type LearnedOptions,
  loadLearnedExamples,
  trainLearnedClassifier,
} from '../src/agents/classifier/learned-classifier.js';
import type { ErrorCategory, FailureAction } from '../src/domain/error-label.js';
import { gatheredBlind } from '../test/support/blind-corpus-rows.js';

const FOLDS = 10;
const examples = loadLearnedExamples();
const patterns = loadDefaultErrorPatterns();

/** `owner/repo` of a GitHub source (URL or `owner/repo#N`); any other source is its own group. */
function repositoryOf(source: string): string {
  const match =
    /^(?:https:\/\/github\.com\/)?([\w.-]+\/[\w.-]+?)(?:#\d+|\/(?:issues|pull|discussions)\/\d+)/.exec(
      source.trim(),
    );
  return match?.[1]?.toLowerCase() ?? source.trim().toLowerCase();
}
const sourceOf = new Map<string, string>(
  readFileSync(new URL('../test/fixtures/errors/real-errors.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; source: string })
    .map((row) => [row.id, row.source]),
);
const groupOf = (e: LearnedExample): string => repositoryOf(sourceOf.get(e.id) ?? e.id);
const foldOf = (e: LearnedExample): number =>
  createHash('sha256').update(groupOf(e)).digest().readUInt32BE(0) % FOLDS;
const blind = (e: LearnedExample): boolean => gatheredBlind(e.id);
const codesOf = (e: LearnedExample): string[] =>
  [e.error_code, e.termination_code].filter((c): c is string => c !== undefined);
const inputOf = (e: LearnedExample) => ({
  message: e.message,
  ...(e.error_code === undefined ? {} : { errorCode: e.error_code }),
  ...(e.termination_code === undefined ? {} : { terminationCode: e.termination_code }),
});

type Trainer = (train: readonly LearnedExample[]) => LearnedClassifier;
const shippedTrainer =
  (options: Partial<LearnedOptions> = {}): Trainer =>
  (train) =>
    trainLearnedClassifier(train, { ...DEFAULT_LEARNED_OPTIONS, ...options });

/** Every tune row's learned answer from a model trained without its fold (index = example index). */
function heldOutGuesses(trainer: Trainer): (LearnedGuess | null)[] {
  const out: (LearnedGuess | null)[] = examples.map(() => null);
  for (let fold = 0; fold < FOLDS; fold += 1) {
    const learned = trainer(examples.filter((e) => foldOf(e) !== fold));
    examples.forEach((e, i) => {
      if (foldOf(e) === fold) out[i] = learned(e.message, codesOf(e));
    });
  }
  return out;
}

// The rules' answers do not depend on the fold: computed once, with what decided them.
const rulesOnly = createErrorClassifier(patterns);
const priorityOf = new Map(patterns.map((p) => [p.id, p.priority]));
const wrappers = new Set(patterns.filter((p) => p.wrapper).map((p) => p.id));
const ruleAnswers = examples.map((e) => rulesOnly(inputOf(e)));

/**
 * How a learned answer and the rules' are combined. `none` and `guess` are the shipped policy's
 * (createErrorClassifier); `wrapper` and `wording` are arbitrations that were measured and not
 * shipped: a learned answer at that confidence over a wrapper, or over any pattern below priority 70.
 */
interface Arbitration extends LearnedPolicy {
  readonly wrapper?: number;
  readonly wording?: number;
}

interface Tally {
  rows: number;
  category: number;
  action: number;
  gaveUp: number;
  needless: number;
  learned: number;
  learnedCategory: number;
  learnedAction: number;
}

/** The whole classifier's held-out figures: over all tune rows and over the blind-gathered ones. */
function wholeSystem(guesses: readonly (LearnedGuess | null)[], arbitration: Arbitration | null) {
  const tallies = { all: emptyTally(), blind: emptyTally() };
  examples.forEach((e, i) => {
    const rule = ruleAnswers[i] as Classification;
    const guess = guesses[i] ?? null;
    const priority = rule.rule === 'fallback' ? -1 : (priorityOf.get(rule.rule) ?? 100);
    const threshold =
      arbitration === null
        ? Number.POSITIVE_INFINITY
        : priority < 0
          ? arbitration.none
          : priority < 30
            ? arbitration.guess
            : wrappers.has(rule.rule)
              ? (arbitration.wrapper ?? Number.POSITIVE_INFINITY)
              : priority < 70
                ? (arbitration.wording ?? Number.POSITIVE_INFINITY)
                : Number.POSITIVE_INFINITY;
    const useLearned =
      guess !== null &&
      guess.category !== 'unknown' &&
      guess.confidence >= threshold &&
      guess.category !== rule.category;
    const category = useLearned ? guess.category : rule.category;
    const action = useLearned ? guess.action : rule.action;
    for (const t of blind(e) ? [tallies.all, tallies.blind] : [tallies.all]) {
      t.rows += 1;
      if (category === e.category) t.category += 1;
      if (action === e.action) t.action += 1;
      if (category === 'unknown' && e.category !== 'unknown') t.gaveUp += 1;
      if (action === 'RETRY' && e.action !== 'RETRY') t.needless += 1;
      if (useLearned) {
        t.learned += 1;
        if (category === e.category) t.learnedCategory += 1;
        if (action === e.action) t.learnedAction += 1;
      }
    }
  });
  return tallies;
}

function emptyTally(): Tally {
  return {
    rows: 0,
    category: 0,
    action: 0,
    gaveUp: 0,
    needless: 0,
    learned: 0,
    learnedCategory: 0,
    learnedAction: 0,
  };
}

const pct = (x: number, n: number): string => `${((100 * x) / Math.max(n, 1)).toFixed(1)}%`;
const cells = (t: Tally): string =>
  `${pct(t.category, t.rows).padStart(6)} ${pct(t.action, t.rows).padStart(6)} ${String(t.gaveUp).padStart(4)} ${String(t.needless).padStart(3)}  ${String(t.learned).padStart(3)}: ${pct(t.learnedCategory, t.learned).padStart(6)} ${pct(t.learnedAction, t.learned).padStart(6)}`;

/** The learned model alone on every held-out row: category and action right. */
function alone(guesses: readonly (LearnedGuess | null)[], only: (e: LearnedExample) => boolean): string {
  let n = 0;
  let category = 0;
  let action = 0;
  examples.forEach((e, i) => {
    if (!only(e)) return;
    n += 1;
    if (guesses[i]?.category === e.category) category += 1;
    if (guesses[i]?.action === e.action) action += 1;
  });
  return `${pct(category, n).padStart(6)} ${pct(action, n).padStart(6)}`;
}

const HEADER =
  'variant                               | all tune rows: cat    act  gave-up retry  learned: cat    act | blind-gathered: cat    act  gave-up retry  learned: cat    act | learned alone all: cat act | blind: cat act';
function row(name: string, guesses: readonly (LearnedGuess | null)[], arbitration: Arbitration | null): void {
  const t = wholeSystem(guesses, arbitration);
  console.info(
    `${name.padEnd(37)} | ${cells(t.all)} | ${cells(t.blind)} | ${alone(guesses, () => true)} | ${alone(guesses, blind)}`,
  );
}

// ---- Alternatives to the shipped model, measured and not shipped (same tokens, same guards). ----

const MIN_KNOWN_TOKENS = 2;

/** A LearnedClassifier from per-category and per-action probabilities (no nearest example, no RETRY). */
function guessFrom(
  categories: readonly ErrorCategory[],
  pc: readonly number[],
  actions: readonly FailureAction[],
  pa: readonly number[],
  seenPairs: ReadonlySet<string>,
): LearnedGuess {
  const ci = argmax(pc, () => true);
  const category = categories[ci] ?? 'unknown';
  const ai = argmax(pa, (a) => actions[a] !== 'RETRY' && seenPairs.has(`${category}/${actions[a]}`));
  return {
    category,
    action: actions[ai] ?? (category === 'unknown' ? 'ESCALATE' : 'NOTIFY_OWNER'),
    confidence: pc[ci] ?? 0,
    retryProbability: 0,
    nearest: null,
  };
}

function argmax(values: readonly number[], allowed: (i: number) => boolean): number {
  let best = -1;
  let value = Number.NEGATIVE_INFINITY;
  values.forEach((v, i) => {
    if (allowed(i) && v > value) {
      value = v;
      best = i;
    }
  });
  return best;
}

function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Labelled {
  docs: string[][];
  categories: ErrorCategory[];
  categoryOf: number[];
  actions: FailureAction[];
  actionOf: number[];
  seenPairs: Set<string>;
}

function labelled(train: readonly LearnedExample[], features: Features): Labelled {
  const categories = [...new Set(train.map((e) => e.category))];
  const actions = [...new Set(train.map((e) => e.action))];
  return {
    docs: train.map((e) => [...new Set(features(e.message, codesOf(e)))]),
    categories,
    categoryOf: train.map((e) => categories.indexOf(e.category)),
    actions,
    actionOf: train.map((e) => actions.indexOf(e.action)),
    seenPairs: new Set(train.map((e) => `${e.category}/${e.action}`)),
  };
}

type Features = (message: string, codes: readonly string[]) => string[];
type Scorer = (tokens: readonly string[]) => number[];
interface Fitted {
  known: (token: string) => boolean;
  predict: Scorer;
}

/** Each token's count per class, each class's number of texts and of tokens: what both Bayes models start from. */
function classCounts(
  docs: readonly string[][],
  y: readonly number[],
  classes: number,
): { counts: Map<string, Float64Array>; docCounts: Float64Array; totals: Float64Array } {
  const counts = new Map<string, Float64Array>();
  const docCounts = new Float64Array(classes);
  const totals = new Float64Array(classes);
  docs.forEach((doc, i) => {
    const c = y[i] ?? 0;
    docCounts[c] = (docCounts[c] ?? 0) + 1;
    totals[c] = (totals[c] ?? 0) + doc.length;
    for (const t of doc) {
      let r = counts.get(t);
      if (r === undefined) {
        r = new Float64Array(classes);
        counts.set(t, r);
      }
      r[c] = (r[c] ?? 0) + 1;
    }
  });
  return { counts, docCounts, totals };
}

/** Multinomial naive Bayes over binary token features (the shipped model's, with pluggable features). */
function naiveBayes(
  docs: readonly string[][],
  y: readonly number[],
  classes: number,
  alpha: number,
  temperature: number,
): Fitted {
  const { counts, docCounts, totals } = classCounts(docs, y, classes);
  const prior = Array.from(docCounts, (n) => Math.log(n / docs.length));
  const denominator = Array.from(totals, (n) => Math.log(n + alpha * counts.size));
  return {
    known: (t) => counts.has(t),
    predict: (tokens) => {
      const s = [...prior];
      for (const t of tokens) {
        const r = counts.get(t);
        if (r === undefined) continue;
        for (let c = 0; c < classes; c += 1)
          s[c] = (s[c] ?? 0) + Math.log((r[c] ?? 0) + alpha) - (denominator[c] ?? 0);
      }
      return softmax(s.map((z) => z / temperature));
    },
  };
}

/** Softmax regression by SGD (fixed seed), each text's features scaled to unit length. */
function logisticRegression(
  docs: readonly string[][],
  y: readonly number[],
  classes: number,
  epochs: number,
  seed: number,
): Fitted {
  const vocabulary = new Map<string, number>();
  for (const doc of docs) for (const t of doc) if (!vocabulary.has(t)) vocabulary.set(t, vocabulary.size);
  const w = new Float64Array(vocabulary.size * classes);
  const b = new Float64Array(classes);
  const xs = docs.map((doc) => doc.map((t) => vocabulary.get(t) as number));
  const order = xs.map((_, i) => i);
  const random = mulberry32(seed);
  const scoresOf = (x: readonly number[]): number[] => {
    const v = 1 / Math.sqrt(Math.max(x.length, 1));
    const s = Array.from(b);
    for (const f of x)
      for (let c = 0; c < classes; c += 1) s[c] = (s[c] ?? 0) + (w[f * classes + c] ?? 0) * v;
    return s;
  };
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const i of order) {
      const x = xs[i] as number[];
      if (x.length === 0) continue;
      const v = 1 / Math.sqrt(x.length);
      const rate = 1 / (1 + step * 0.001);
      step += 1;
      const p = softmax(scoresOf(x));
      for (let c = 0; c < classes; c += 1) {
        const g = (p[c] ?? 0) - (c === y[i] ? 1 : 0);
        b[c] = (b[c] ?? 0) - rate * g;
        for (const f of x)
          w[f * classes + c] = (w[f * classes + c] ?? 0) - rate * (g * v + 1e-4 * (w[f * classes + c] ?? 0));
      }
    }
  }
  return {
    known: (t) => vocabulary.has(t),
    predict: (tokens) =>
      softmax(scoresOf(tokens.map((t) => vocabulary.get(t)).filter((f): f is number => f !== undefined))),
  };
}

/** Complement naive Bayes (weight-normalised): each category scored by how unlike the others the text is. */
function complementNaiveBayes(
  docs: readonly string[][],
  y: readonly number[],
  classes: number,
  alpha: number,
): Fitted {
  const { counts, totals } = classCounts(docs, y, classes);
  const all = totals.reduce((a, v) => a + v, 0);
  const weights = new Map<string, Float64Array>();
  const norms = new Float64Array(classes);
  for (const [t, r] of counts) {
    const inRow = r.reduce((a, v) => a + v, 0);
    const wt = new Float64Array(classes);
    for (let c = 0; c < classes; c += 1) {
      wt[c] = Math.log((inRow - (r[c] ?? 0) + alpha) / (all - (totals[c] ?? 0) + alpha * counts.size));
      norms[c] = (norms[c] ?? 0) + Math.abs(wt[c] ?? 0);
    }
    weights.set(t, wt);
  }
  return {
    known: (t) => weights.has(t),
    // Scores are sums of normalised weights, a few thousandths apart: scaled so the softmax can tell them.
    predict: (tokens) => {
      const s = new Array<number>(classes).fill(0);
      for (const t of tokens) {
        const wt = weights.get(t);
        if (wt === undefined) continue;
        for (let c = 0; c < classes; c += 1) s[c] = (s[c] ?? 0) - ((wt[c] ?? 0) / (norms[c] ?? 1)) * 1000;
      }
      return softmax(s);
    },
  };
}

/** A trainer from a category model and an action model over the same features. */
function alternative(
  features: Features,
  categoryModel: (l: Labelled) => Fitted,
  actionModel: (l: Labelled) => Fitted = (l) => naiveBayes(l.docs, l.actionOf, l.actions.length, 0.1, 6),
): Trainer {
  return (train) => {
    const l = labelled(train, features);
    const mc = categoryModel(l);
    const ma = actionModel(l);
    return (message, codes = []) => {
      const tokens = [...new Set(features(message, codes))].filter(mc.known);
      if (tokens.length < MIN_KNOWN_TOKENS) return null;
      return guessFrom(l.categories, mc.predict(tokens), l.actions, ma.predict(tokens), l.seenPairs);
    };
  };
}

const tokensOnly: Features = (m, c) => errorTokens(m, c);
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]{5,}/g;
/** The tokens plus character 5-grams of identifiers: names never seen share their pieces with names seen. */
const withCharacterGrams: Features = (m, c) => {
  const grams = new Set<string>();
  for (const id of m.slice(0, 6000).match(IDENTIFIER) ?? []) {
    const w = id.toLowerCase();
    for (let i = 0; i + 5 <= w.length && grams.size < 300; i += 1) grams.add(`chars:${w.slice(i, i + 5)}`);
  }
  return [...errorTokens(m, c), ...grams];
};
/** The tokens without the adjacent word pairs. */
const withoutPairs: Features = (m, c) => errorTokens(m, c).filter((t) => !/^[a-z0-9]+_[a-z0-9]+$/.test(t));
const EXCEPTION = /\b(?:[a-z_$][\w$]*\.)*([A-Z][A-Za-z0-9]*(?:Exception|Error|Fault|Failure))\b/g;
const SQLSTATE = /SQL ?STATE[:=]?\s*['"]?([0-9A-Z]{5})\b/gi;
/** The tokens plus whole exception names and SQLSTATEs (and their two-character class) as features. */
const withTyped: Features = (m, c) => {
  const extra = new Set<string>();
  for (const x of m.matchAll(EXCEPTION)) extra.add(`exception:${x[1]}`);
  for (const x of m.matchAll(SQLSTATE)) {
    extra.add(`sqlstate:${x[1]}`);
    extra.add(`sqlclass:${x[1]?.slice(0, 2)}`);
  }
  return [...errorTokens(m, c), ...extra];
};

const nbCategories = (alpha: number) => (l: Labelled) =>
  naiveBayes(l.docs, l.categoryOf, l.categories.length, alpha, 6);

// ---- The comparison. ----

console.info(
  `learned classifier: ${examples.length} tune rows (${examples.filter(blind).length} gathered blind) in ${new Set(examples.map(groupOf)).size} repositories, ${FOLDS}-fold cross-validation grouped by repository\n`,
);
console.info(
  'whole classifier on the held-out fold (rules, then the learned layer trained on the other folds);',
);
console.info('"learned": rows the learned answer decided, and how many of those it got right.\n');
console.info(HEADER);
const shipped = heldOutGuesses(shippedTrainer());
const started = performance.now();
row('rules alone', shipped, null);
row(
  'NB, both from the pairs (earlier)',
  heldOutGuesses(shippedTrainer({ action: 'pair', category: 'pair' })),
  DEFAULT_LEARNED_POLICY,
);
row(
  'NB, category from the pairs (before)',
  heldOutGuesses(shippedTrainer({ category: 'pair' })),
  DEFAULT_LEARNED_POLICY,
);
row('NB, category, action apart (shipped)', shipped, DEFAULT_LEARNED_POLICY);
for (const alpha of [0.03, 0.3, 1])
  row(`  alpha ${alpha}`, heldOutGuesses(shippedTrainer({ alpha })), DEFAULT_LEARNED_POLICY);
row(
  '  + character 5-grams of identifiers',
  heldOutGuesses(alternative(withCharacterGrams, nbCategories(0.1))),
  DEFAULT_LEARNED_POLICY,
);
row(
  '  + exception names, SQLSTATEs',
  heldOutGuesses(alternative(withTyped, nbCategories(0.1))),
  DEFAULT_LEARNED_POLICY,
);
row(
  '  without word pairs',
  heldOutGuesses(alternative(withoutPairs, nbCategories(0.1))),
  DEFAULT_LEARNED_POLICY,
);
row(
  'logistic regression (SGD, 5 epochs)',
  heldOutGuesses(
    alternative(
      tokensOnly,
      (l) => logisticRegression(l.docs, l.categoryOf, l.categories.length, 5, 1),
      (l) => logisticRegression(l.docs, l.actionOf, l.actions.length, 5, 2),
    ),
  ),
  DEFAULT_LEARNED_POLICY,
);
row(
  'complement NB (alpha 1), NB action',
  heldOutGuesses(
    alternative(tokensOnly, (l) => complementNaiveBayes(l.docs, l.categoryOf, l.categories.length, 1)),
  ),
  DEFAULT_LEARNED_POLICY,
);
console.info(
  '\narbitration (shipped model): in place of a generic guess, of unknown, over a wrapper or a wording',
);
for (const guess of [0.5, 0.7, 0.9, 0.95, Number.POSITIVE_INFINITY])
  row(`  guess ≥ ${guess}`, shipped, { ...DEFAULT_LEARNED_POLICY, guess });
for (const none of [0.2, 0.4]) row(`  unknown ≥ ${none}`, shipped, { ...DEFAULT_LEARNED_POLICY, none });
for (const wrapper of [0.5, 0.8, 0.95])
  row(`  over a wrapper ≥ ${wrapper}`, shipped, { ...DEFAULT_LEARNED_POLICY, wrapper });
for (const wording of [0.9, 0.99])
  row(`  over priority < 70 ≥ ${wording}`, shipped, { ...DEFAULT_LEARNED_POLICY, wording });
console.info(`(comparison took ${((performance.now() - started) / 1000).toFixed(1)} s)`);

// The arbitration above mirrors createErrorClassifier's; check it against the real thing once.
{
  const check = emptyTally();
  for (let fold = 0; fold < FOLDS; fold += 1) {
    const classify = createErrorClassifier(patterns, {
      learned: shippedTrainer()(examples.filter((e) => foldOf(e) !== fold)),
    });
    for (const e of examples.filter((x) => foldOf(x) === fold)) {
      const got = classify(inputOf(e));
      check.rows += 1;
      if (got.category === e.category) check.category += 1;
      if (got.action === e.action) check.action += 1;
      if (got.action === 'RETRY' && NEVER_RETRY_CATEGORIES.has(got.category))
        throw new Error('RETRY for never-retry');
    }
  }
  const mirrored = wholeSystem(shipped, DEFAULT_LEARNED_POLICY).all;
  if (check.category !== mirrored.category || check.action !== mirrored.action) {
    throw new Error(
      `the mirrored arbitration disagrees with createErrorClassifier: ${JSON.stringify({ check, mirrored })}`,
    );
  }
}

// A learned guess never proposes a plain RETRY. What it would cost to let it, at each floor on the
// (category, RETRY) pair's probability: retries proposed for errors a retry cannot fix.
console.info('\nif a learned guess could RETRY when (category, RETRY) reaches a floor:');
console.info('floor  RETRY proposed  needless');
for (const floor of [0.5, 0.8, 0.9, 0.95, 0.99]) {
  const retried = examples.filter((_, i) => (shipped[i]?.retryProbability ?? 0) >= floor);
  const needless = retried.filter((e) => e.action !== 'RETRY').length;
  console.info(`${String(floor).padEnd(6)} ${String(retried.length).padEnd(15)} ${needless}`);
}

/** The log loss of the confidence against the category being right. */
function logLoss(guesses: readonly (LearnedGuess | null)[]): number {
  let sum = 0;
  examples.forEach((e, i) => {
    const g = guesses[i] ?? null;
    const p = Math.min(Math.max(g?.confidence ?? 0, 1e-6), 1 - 1e-6);
    sum -= g !== null && g.category === e.category ? Math.log(p) : Math.log(1 - p);
  });
  return sum / examples.length;
}
console.info('\ntemperature (calibration: the log loss of the confidence against being right):');
for (const temperature of [2, 4, 6, 8, 12]) {
  console.info(
    `temperature ${String(temperature).padEnd(3)} log loss ${logLoss(heldOutGuesses(shippedTrainer({ temperature }))).toFixed(3)}`,
  );
}

console.info('\ncalibration of the shipped model: share of categories right by confidence band');
const bandOf = (low: number) =>
  examples
    .map((e, i) => ({ e, g: shipped[i] ?? null }))
    .filter(({ g }) => g !== null && g.confidence >= low && g.confidence < low + 0.1);
for (let low = 0; low < 1; low = Math.round((low + 0.1) * 10) / 10) {
  const band = bandOf(low);
  const right = band.filter(({ e, g }) => g?.category === e.category).length;
  console.info(
    `  [${low.toFixed(1)}, ${(low + 0.1).toFixed(1)}): ${band.length} rows, ${pct(right, band.length)} right`,
  );
}
/**
 * The lowest confidence from which every band of held-out learned answers at or above it was right at
 * least `precision` of the time (bands 0.1 wide; a band of fewer than 10 rows is skipped).
 */
function floorFor(precision: number): number {
  let floor = 1;
  for (let low = 0.9; low >= 0; low = Math.round((low - 0.1) * 10) / 10) {
    const band = bandOf(low);
    if (band.length < 10) continue;
    if (band.filter(({ e, g }) => g?.category === e.category).length / band.length < precision) break;
    floor = low;
  }
  return floor;
}
console.info(
  `thresholds by that rule: ${JSON.stringify({ none: floorFor(0.5), guess: floorFor(0.8) })}; shipped: ${JSON.stringify(DEFAULT_LEARNED_POLICY)}`,
);

// Load and throughput, as `classifyError` pays them: read the examples, train, then classify. CPU time
// beside wall time: on a shared machine the wall time is mostly what the other processes leave.
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
let cpuStart = process.cpuUsage();
const loadStart = performance.now();
const loaded = loadLearnedExamples();
const readMs = performance.now() - loadStart;
const readCpuMs = cpuMs(cpuStart);
cpuStart = process.cpuUsage();
const trainStart = performance.now();
const learned = trainLearnedClassifier(loaded);
const trainMs = performance.now() - trainStart;
const trainCpuMs = cpuMs(cpuStart);
const combined = createErrorClassifier(patterns, { learned });
const inputs = loaded.map((e) => ({ message: e.message }));
for (const [name, classify] of [
  ['rules alone', rulesOnly],
  ['rules + learned', combined],
] as const) {
  for (const input of inputs) classify(input); // warm-up
  const start = performance.now();
  const rounds = 5;
  for (let r = 0; r < rounds; r += 1) for (const input of inputs) classify(input);
  const seconds = (performance.now() - start) / 1000;
  console.info(
    `${name}: ${Math.round((rounds * inputs.length) / seconds)} classifications/s over the tune messages`,
  );
}
console.info(
  `load (once per process): read ${readMs.toFixed(1)} ms (${readCpuMs.toFixed(1)} ms CPU), train ${trainMs.toFixed(1)} ms (${trainCpuMs.toFixed(1)} ms CPU)`,
);
