import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  type ErrorCategory,
  errorCategorySchema,
  type FailureAction,
  failureActionSchema,
} from '../../domain/error-label.js';
import { ConfigError } from '../../domain/errors.js';
import { errorTokens } from './error-tokens.js';

/**
 * One labelled real error message the learned classifier is trained on: the corpus's `tune` rows
 * (test/fixtures/errors/real-errors.jsonl), copied here so the package ships them.
 */
const learnedExampleSchema = z.object({
  id: z.string().min(1),
  message: z.string(),
  error_code: z.string().optional(),
  termination_code: z.string().optional(),
  category: errorCategorySchema,
  action: failureActionSchema,
});
export type LearnedExample = z.infer<typeof learnedExampleSchema>;

/** The settings cross-validation chooses (bench/learned-classifier.bench.ts prints the comparison). */
export interface LearnedOptions {
  /** Additive (Laplace) smoothing of each token's count per label. */
  readonly alpha: number;
  /** The log-likelihoods are divided by this before the softmax: naive Bayes is overconfident, so > 1. */
  readonly temperature: number;
  /**
   * `separate`: the action by naive Bayes over the actions alone; `pair`: the chosen category's
   * likeliest (category, action) pair. Either way among the category's actions and never a plain RETRY.
   */
  readonly action: 'separate' | 'pair';
  /**
   * `separate`: the category by naive Bayes over the categories alone; `pair`: the category whose
   * (category, action) pairs are likeliest together.
   */
  readonly category: 'separate' | 'pair';
}

export const DEFAULT_LEARNED_OPTIONS: LearnedOptions = Object.freeze({
  alpha: 0.1,
  temperature: 6,
  action: 'separate',
  category: 'separate',
});

/** What the learned classifier makes of one error. */
export interface LearnedGuess {
  category: ErrorCategory;
  action: FailureAction;
  /**
   * The probability of the category (summed over its actions): 0..1, tempered so that it matches how
   * often such answers were right in cross-validation. The action is the one the action model finds
   * likeliest among the category's own, other than a plain RETRY.
   */
  confidence: number;
  /**
   * The probability of (category, RETRY), which the action never is: in cross-validation every floor
   * up to 0.99 on it still proposed a retry for some error a retry cannot fix (the benchmark prints
   * the table), so a learned guess never retries, as a rule's guess from generic words never does.
   */
  retryProbability: number;
  /** The training example most like this error among those with the same label: what it resembled. */
  nearest: LearnedExample | null;
}

export type LearnedClassifier = (message: string, codes?: readonly string[]) => LearnedGuess | null;

interface Label {
  category: ErrorCategory;
  action: FailureAction;
}

/**
 * A guess needs at least this many tokens seen in training: one shared word ("during", "failed") says
 * nothing about the error, and since the learned answer now stands in for `unknown` at any confidence,
 * an unrelated text must not borrow a category from it.
 */
const MIN_KNOWN_TOKENS = 2;

const labelKey = (l: Label): string => `${l.category}/${l.action}`;

/**
 * Trains multinomial naive Bayes models over the (category, action) pairs of `examples`, each
 * example a set of `errorTokens`, and from the same counts one over the categories alone and one over
 * the actions alone. Deterministic: the same examples in the same order give the same model, and ties
 * are broken by the labels' order of first appearance.
 */
export function trainLearnedClassifier(
  examples: readonly LearnedExample[],
  options: LearnedOptions = DEFAULT_LEARNED_OPTIONS,
): LearnedClassifier {
  const labels: Label[] = [];
  const labelIndex = new Map<string, number>();
  const labelOf = examples.map((example) => {
    const key = labelKey(example);
    let index = labelIndex.get(key);
    if (index === undefined) {
      index = labels.length;
      labelIndex.set(key, index);
      labels.push({ category: example.category, action: example.action });
    }
    return index;
  });
  if (labels.length === 0) return () => null;

  const exampleTokens = examples.map((e) => errorTokens(e.message, codesOf(e)));
  const counts = countTokens(exampleTokens, labelOf, labels.length);
  // The pairs, the categories and the actions are each scored by naive Bayes over the same counts,
  // pooled by what they share (a category's counts are its pairs' summed, and an action's likewise).
  const pairs = pooledBayes(
    labels.map((_, c) => c),
    labels.length,
    counts,
    options.alpha,
  );
  // The category is predicted over the categories alone: a category's examples pooled across their
  // actions answered more held-out categories right than summing the pairs' probabilities, which
  // splits a category's evidence between the actions its examples were given.
  const categories = [...new Set(labels.map((l) => l.category))];
  const categoryModel = pooledBayes(
    labels.map((l) => categories.indexOf(l.category)),
    categories.length,
    counts,
    options.alpha,
  );
  // The action is predicted apart from the category, by naive Bayes over the actions alone: an
  // unusual error's action is shared across categories ("a person must change something", "nobody
  // can say"), and pooling the categories' examples answered more held-out actions right than the
  // likeliest pair of the chosen category did.
  const actions = [...new Set(labels.map((l) => l.action))];
  const actionModel = pooledBayes(
    labels.map((l) => actions.indexOf(l.action)),
    actions.length,
    counts,
    options.alpha,
  );

  return (message, codes = []) => {
    const tokens = errorTokens(typeof message === 'string' ? message : '', codes).filter((t) =>
      counts.index.has(t),
    );
    if (tokens.length < MIN_KNOWN_TOKENS) return null;
    const probabilities = softmax(pairs(tokens).map((s) => s / options.temperature));
    const categoryProbability = new Map<ErrorCategory, number>();
    if (options.category === 'pair') {
      labels.forEach((label, c) => {
        categoryProbability.set(
          label.category,
          (categoryProbability.get(label.category) ?? 0) + (probabilities[c] ?? 0),
        );
      });
    } else {
      softmax(categoryModel(tokens).map((s) => s / options.temperature)).forEach((p, k) => {
        categoryProbability.set(categories[k] ?? 'unknown', p);
      });
    }
    let category: ErrorCategory = 'unknown';
    let best = -1;
    for (const [name, p] of categoryProbability) {
      if (p > best) {
        best = p;
        category = name;
      }
    }
    const retryIndex = labelIndex.get(labelKey({ category, action: 'RETRY' }));
    const action =
      options.action === 'pair'
        ? chooseAction(
            category,
            labels,
            labels.map((l) => l.action),
            // Only the chosen category's own pairs compete.
            probabilities.map((p, c) => (labels[c]?.category === category ? p : Number.NEGATIVE_INFINITY)),
          )
        : chooseAction(category, labels, actions, actionModel(tokens));
    return {
      category,
      action,
      confidence: best,
      retryProbability: retryIndex === undefined ? 0 : (probabilities[retryIndex] ?? 0),
      nearest: nearestExample(tokens, counts, examples, { category, action }),
    };
  };
}

function codesOf(example: {
  error_code?: string | undefined;
  termination_code?: string | undefined;
}): string[] {
  return [example.error_code, example.termination_code].filter((c): c is string => c !== undefined);
}

/**
 * What naive Bayes is trained on, with one row of per-label counts per token in one flat array (row
 * `index.get(token)`, `labels` wide) rather than a typed array per token: the shipped examples hold
 * ~28,500 distinct tokens, and a `Float64Array` per token and model was ~114,000 typed arrays — ~50 MB
 * of V8 heap and their native backing stores, held by every process that classified one error (the
 * demo eval's largest live object). Counts are whole numbers, exact in 32 bits and in any order of
 * summing, so the scores are the same to the last bit.
 */
interface TokenCounts {
  /** Each distinct token's row, numbered in order of first appearance. */
  readonly index: ReadonlyMap<string, number>;
  readonly labels: number;
  /** `rows[index.get(token) * labels + c]`: how many examples of label `c` hold the token. */
  readonly rows: Uint32Array;
  /** Per label, how many examples it has and how many distinct tokens they hold in all. */
  readonly docCounts: readonly number[];
  readonly tokenTotals: readonly number[];
  /** Per example, the rows of its distinct tokens (`exampleRows.subarray(exampleStart[i], exampleStart[i + 1])`). */
  readonly exampleRows: Uint32Array;
  readonly exampleStart: Uint32Array;
}

function countTokens(
  exampleTokens: readonly string[][],
  labelOf: readonly number[],
  labels: number,
): TokenCounts {
  const index = new Map<string, number>();
  const exampleStart = new Uint32Array(exampleTokens.length + 1);
  const distinct: number[] = [];
  exampleTokens.forEach((tokens, i) => {
    for (const token of new Set(tokens)) {
      let row = index.get(token);
      if (row === undefined) {
        row = index.size;
        index.set(token, row);
      }
      distinct.push(row);
    }
    exampleStart[i + 1] = distinct.length;
  });
  const rows = new Uint32Array(index.size * labels);
  const docCounts = new Array<number>(labels).fill(0);
  const tokenTotals = new Array<number>(labels).fill(0);
  labelOf.forEach((c, i) => {
    const from = exampleStart[i] ?? 0;
    const to = exampleStart[i + 1] ?? 0;
    docCounts[c] = (docCounts[c] ?? 0) + 1;
    tokenTotals[c] = (tokenTotals[c] ?? 0) + (to - from);
    for (let k = from; k < to; k += 1) {
      const cell = (distinct[k] ?? 0) * labels + c;
      rows[cell] = (rows[cell] ?? 0) + 1;
    }
  });
  return {
    index,
    labels,
    rows,
    docCounts,
    tokenTotals,
    exampleRows: Uint32Array.from(distinct),
    exampleStart,
  };
}

/**
 * Multinomial naive Bayes over groups of labels, each group's counts its labels' summed: the
 * log-scores of a token list per group (prior plus each token's log-likelihood).
 */
function pooledBayes(
  groupOf: readonly number[],
  groups: number,
  counts: TokenCounts,
  alpha: number,
): (tokens: readonly string[]) => number[] {
  const sum = (perLabel: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(groups);
    for (let c = 0; c < perLabel.length; c += 1) {
      const g = groupOf[c] ?? 0;
      out[g] = (out[g] ?? 0) + (perLabel[c] ?? 0);
    }
    return out;
  };
  const documents = counts.docCounts.reduce((a, n) => a + n, 0);
  const logPrior = Array.from(sum(counts.docCounts), (n) => Math.log(n / documents));
  // log P(token | group) = log(count + alpha) − log(total + alpha·V): the second term once per group.
  const logDenominator = Array.from(sum(counts.tokenTotals), (n) => Math.log(n + alpha * counts.index.size));
  const { index, labels, rows } = counts;
  return (tokens) => {
    const scores = [...logPrior];
    for (const token of tokens) {
      const row = index.get(token);
      if (row === undefined) continue;
      const grouped = sum(rows.subarray(row * labels, (row + 1) * labels));
      for (let g = 0; g < groups; g += 1) {
        scores[g] = (scores[g] ?? 0) + Math.log((grouped[g] ?? 0) + alpha) - (logDenominator[g] ?? 0);
      }
    }
    return scores;
  };
}

function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * The action for `category`: of the actions its training examples were given, the one scored highest
 * (`candidates[i]` scores `scores[i]`) other than a plain RETRY (when unsure between RETRY and anything
 * else, the other; a learned answer is never sure enough), else NOTIFY_OWNER.
 */
function chooseAction(
  category: ErrorCategory,
  labels: readonly Label[],
  candidates: readonly FailureAction[],
  scores: readonly number[],
): FailureAction {
  let action: FailureAction = category === 'unknown' ? 'ESCALATE' : 'NOTIFY_OWNER';
  let best = Number.NEGATIVE_INFINITY;
  candidates.forEach((candidate, a) => {
    const score = scores[a] ?? Number.NEGATIVE_INFINITY;
    const seen = labels.some((l) => l.category === category && l.action === candidate);
    if (seen && candidate !== 'RETRY' && score > best) {
      best = score;
      action = candidate;
    }
  });
  return action;
}

/**
 * The example of `label` sharing the largest share of tokens with the input (cosine over token sets);
 * `tokens` are known ones, each with a row in `counts`.
 */
function nearestExample(
  tokens: readonly string[],
  counts: TokenCounts,
  examples: readonly LearnedExample[],
  label: Label,
): LearnedExample | null {
  const input = new Set(tokens.map((t) => counts.index.get(t)));
  let best: LearnedExample | null = null;
  let bestScore = 0;
  examples.forEach((example, i) => {
    if (example.category !== label.category) return;
    const from = counts.exampleStart[i] ?? 0;
    const size = (counts.exampleStart[i + 1] ?? 0) - from;
    if (size === 0) return;
    let shared = 0;
    for (let k = from; k < from + size; k += 1) if (input.has(counts.exampleRows[k])) shared += 1;
    const sameAction = example.action === label.action ? 1e-9 : 0;
    const score = shared / Math.sqrt(input.size * size) + sameAction;
    if (score > bestScore) {
      bestScore = score;
      best = example;
    }
  });
  return best;
}

/**
 * Parses the JSONL training examples. Ids are unique: what a learned answer resembled is named by it.
 * @throws ConfigError naming the first invalid or repeated line.
 */
export function parseLearnedExamples(text: string, source = 'learned-examples.jsonl'): LearnedExample[] {
  const examples: LearnedExample[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new ConfigError(`${source}:${i + 1} is not valid JSON`, { source, line: i + 1 });
    }
    const parsed = learnedExampleSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(`${source}:${i + 1} is not a labelled example`, { source, line: i + 1 });
    }
    if (ids.has(parsed.data.id)) {
      throw new ConfigError(`${source}:${i + 1} repeats the id ${parsed.data.id}`, { source, line: i + 1 });
    }
    ids.add(parsed.data.id);
    examples.push(parsed.data);
  });
  return examples;
}

const DEFAULT_EXAMPLES_URL = new URL('./learned-examples.jsonl', import.meta.url);

/** The training examples shipped next to this module. */
export function loadLearnedExamples(): LearnedExample[] {
  return parseLearnedExamples(readFileSync(DEFAULT_EXAMPLES_URL, 'utf8'), DEFAULT_EXAMPLES_URL.pathname);
}
