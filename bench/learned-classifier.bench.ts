// The learned error classifier: how its settings and thresholds were chosen, and how fast it loads
// and answers. Prints; passes or fails on nothing.
//
//   node --import tsx bench/learned-classifier.bench.ts
//
// Everything here reads the `tune` rows only (the shipped training examples): 10-fold
// cross-validation trains on nine folds and measures the tenth, so the holdout and unseen splits stay
// honest measures. Folds are fixed by a hash of each row's id.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  type Classification,
  createErrorClassifier,
  DEFAULT_LEARNED_POLICY,
  type LearnedPolicy,
} from '../src/agents/classifier/classify-error.js';
import { loadDefaultErrorPatterns, NEVER_RETRY_CATEGORIES } from '../src/agents/classifier/error-patterns.js';
import {
  DEFAULT_LEARNED_OPTIONS,
  type LearnedExample,
  type LearnedGuess,
  type LearnedOptions,
  loadLearnedExamples,
  trainLearnedClassifier,
} from '../src/agents/classifier/learned-classifier.js';

const FOLDS = 10;
const examples = loadLearnedExamples();
const patterns = loadDefaultErrorPatterns();
const foldOf = (e: LearnedExample): number =>
  createHash('sha256').update(e.id).digest().readUInt32BE(0) % FOLDS;

const codesOf = (e: LearnedExample): string[] =>
  [e.error_code, e.termination_code].filter((c): c is string => c !== undefined);

interface HeldOut {
  example: LearnedExample;
  guess: LearnedGuess | null;
}

/** Every tune row's learned answer from a model that never saw it. */
function crossValidate(options: LearnedOptions): HeldOut[] {
  const out: HeldOut[] = [];
  for (let fold = 0; fold < FOLDS; fold += 1) {
    const learned = trainLearnedClassifier(
      examples.filter((e) => foldOf(e) !== fold),
      options,
    );
    for (const example of examples.filter((e) => foldOf(e) === fold)) {
      out.push({ example, guess: learned(example.message, codesOf(example)) });
    }
  }
  return out;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function score(heldOut: readonly HeldOut[]) {
  let category = 0;
  let action = 0;
  let logLoss = 0;
  for (const { example, guess } of heldOut) {
    if (guess?.category === example.category) category += 1;
    if (guess?.action === example.action) action += 1;
    // The confidence is the category's probability: calibrated against the category being right.
    const right = guess !== null && guess.category === example.category;
    const p = Math.min(Math.max(guess?.confidence ?? 0, 1e-6), 1 - 1e-6);
    logLoss -= right ? Math.log(p) : Math.log(1 - p);
  }
  const n = heldOut.length;
  return { category: category / n, action: action / n, logLoss: logLoss / n };
}

console.info(`learned classifier: ${examples.length} tune rows, ${FOLDS}-fold cross-validation\n`);
console.info('smoothing alpha (learned alone, every held-out row):');
console.info('alpha  category  action  log loss');
for (const alpha of [0.01, 0.03, 0.1, 0.3, 1]) {
  const s = score(crossValidate({ ...DEFAULT_LEARNED_OPTIONS, alpha }));
  console.info(
    `${String(alpha).padEnd(6)} ${pct(s.category).padEnd(9)} ${pct(s.action).padEnd(7)} ${s.logLoss.toFixed(3)}`,
  );
}
// A learned guess never proposes a plain RETRY. What it would cost to let it, at each floor on the
// (category, RETRY) pair's probability: retries proposed for errors a retry cannot fix.
console.info('\nif a learned guess could RETRY when (category, RETRY) reaches a floor:');
console.info('floor  RETRY proposed  needless');
{
  const heldOut = crossValidate(DEFAULT_LEARNED_OPTIONS);
  for (const floor of [0.5, 0.8, 0.9, 0.95, 0.99]) {
    const retried = heldOut.filter((h) => h.guess !== null && h.guess.retryProbability >= floor);
    const needless = retried.filter((h) => h.example.action !== 'RETRY').length;
    console.info(`${String(floor).padEnd(6)} ${String(retried.length).padEnd(15)} ${needless}`);
  }
}

console.info('\ntemperature (calibration: the log loss of the confidence against being right):');
for (const temperature of [1, 2, 4, 6, 8, 10, 12, 16]) {
  const s = score(crossValidate({ ...DEFAULT_LEARNED_OPTIONS, temperature }));
  console.info(`temperature ${String(temperature).padEnd(3)} log loss ${s.logLoss.toFixed(3)}`);
}

const heldOut = crossValidate(DEFAULT_LEARNED_OPTIONS);
console.info(
  `\nwith ${JSON.stringify(DEFAULT_LEARNED_OPTIONS)}: precision of the learned category at or above each confidence`,
);
console.info('confidence ≥  answered  category right  pair right');
for (const floor of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) {
  const answered = heldOut.filter((h) => h.guess !== null && h.guess.confidence >= floor);
  const right = answered.filter((h) => h.guess?.category === h.example.category).length;
  const pair = answered.filter(
    (h) => h.guess?.category === h.example.category && h.guess.action === h.example.action,
  ).length;
  console.info(
    `${String(floor).padEnd(13)} ${pct(answered.length / heldOut.length).padEnd(9)} ${pct(right / Math.max(answered.length, 1)).padEnd(15)} ${pct(pair / Math.max(answered.length, 1))}`,
  );
}

console.info('\ncalibration: share of categories right by confidence band');
for (let low = 0; low < 1; low += 0.1) {
  const band = heldOut.filter(
    (h) => h.guess !== null && h.guess.confidence >= low && h.guess.confidence < low + 0.1,
  );
  const right = band.filter((h) => h.guess?.category === h.example.category).length;
  console.info(
    `  [${low.toFixed(1)}, ${(low + 0.1).toFixed(1)}): ${band.length} rows, ${pct(right / Math.max(band.length, 1))} right`,
  );
}

/**
 * The lowest confidence from which every band of held-out learned answers at or above it was right at
 * least `precision` of the time: where the rules gave up, more often right than wrong (0.5); over a
 * rule's guess from generic words, 0.8. Bands are 0.1 wide; a band of fewer than 10 rows is skipped.
 */
function floorFor(precision: number): number {
  let floor = 1;
  for (let low = 0.9; low >= 0; low = Math.round((low - 0.1) * 10) / 10) {
    const band = heldOut.filter(
      (h) => h.guess !== null && h.guess.confidence >= low && h.guess.confidence < low + 0.1,
    );
    if (band.length < 10) continue;
    const right = band.filter((h) => h.guess?.category === h.example.category).length;
    if (right / band.length < precision) break;
    floor = low;
  }
  return floor;
}
const chosen: LearnedPolicy = { none: floorFor(0.5), guess: floorFor(0.8) };
console.info(
  `\nthresholds by that rule: ${JSON.stringify(chosen)}; shipped: ${JSON.stringify(DEFAULT_LEARNED_POLICY)}`,
);

/** The rules plus a learned model trained without the fold, on every held-out row. */
function endToEnd(policy: LearnedPolicy | null) {
  let category = 0;
  let action = 0;
  let unknown = 0;
  let needless = 0;
  let learnedAnswers = 0;
  for (let fold = 0; fold < FOLDS; fold += 1) {
    const learned = trainLearnedClassifier(examples.filter((e) => foldOf(e) !== fold));
    const classify = createErrorClassifier(patterns, policy === null ? {} : { learned, policy });
    for (const e of examples.filter((x) => foldOf(x) === fold)) {
      const got: Classification = classify({
        message: e.message,
        ...(e.error_code === undefined ? {} : { errorCode: e.error_code }),
        ...(e.termination_code === undefined ? {} : { terminationCode: e.termination_code }),
      });
      if (got.category === e.category) category += 1;
      if (got.action === e.action) action += 1;
      if (got.category === 'unknown' && e.category !== 'unknown') unknown += 1;
      if (got.action === 'RETRY' && e.action !== 'RETRY') needless += 1;
      if (got.action === 'RETRY' && NEVER_RETRY_CATEGORIES.has(got.category))
        throw new Error('RETRY for never-retry');
      if (got.rule.startsWith('learned')) learnedAnswers += 1;
    }
  }
  const n = examples.length;
  return `category ${pct(category / n)}, action ${pct(action / n)}, gave up ${pct(unknown / n)}, needless RETRY ${needless}, learned answers ${learnedAnswers}`;
}

console.info(
  '\nrules with the learned layer, tune rows (the rules were written from these: an upper bound for them):',
);
console.info(`  rules alone:                 ${endToEnd(null)}`);
console.info(`  with ${JSON.stringify(DEFAULT_LEARNED_POLICY)}: ${endToEnd(DEFAULT_LEARNED_POLICY)}`);

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
const rulesOnly = createErrorClassifier(patterns);
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
