/**
 * The tokens the learned classifier reads in an error text: the parts that carry meaning across
 * tools and wordings. Error classes and codes (`DELTA_CONCURRENT_APPEND`, `PERMISSION_DENIED`) as
 * whole tokens and as their words; exception and type names (`ConcurrentAppendException`) as their
 * camel-case parts too; HTTP statuses and their family (`http:503`, `http:5xx`); and the plain words,
 * lower-cased, alone and in adjacent pairs. Stack frames (`at org.apache…(File.scala:12)`) and hex ids say
 * little about the cause and are skipped.
 */

/** Only the head and tail of long texts are read: the message sits at the top, root causes near the end. */
const HEAD_CHARS = 6_000;
const TAIL_CHARS = 2_000;
/** At most this many tokens per text: a megabyte of log cannot make one text outweigh the rest. */
const MAX_TOKENS = 600;

const STACK_FRAME = /^\s*at [\w$.<>]+\(.*\)\s*$/gm;
/**
 * Spark's report of a failed task around whatever the task threw ("Job aborted due to stage failure:
 * Task 0 in stage 1.0 failed 4 times, most recent failure: Lost task 0.3 in stage 1.0 (TID 7, host,
 * executor 2):"): the same words whatever the cause, and the words of a lost executor, so the model read
 * them as memory run out. In repository-grouped cross-validation, dropping them took the whole
 * classifier from 86.6 / 87.7 % to 86.6 / 88.0 % (bench/learned-classifier.bench.ts).
 */
const SPARK_TASK_ENVELOPE =
  /(?:Job aborted due to stage failure: )?(?:Task \S+ in stage \S+ failed \d+ times?, most recent failure: )?Lost task \S+ in stage \S+ \(TID \d+[^)]*\):?/g;
const PYTHON_FRAME = /^\s*File "[^"]*", line \d+.*$/gm;
const HEX_OR_ID = /\b(?:0x)?[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b/gi;
const UPPER_CODE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;
const TYPE_NAME = /\b(?:[a-z_$][\w$]*\.)*([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b/g;
const HTTP_STATUS = /(?<![\w.:-])([45]\d\d)(?![\w.:-])/g;
const WORD = /[a-z][a-z0-9]+/g;
const CAMEL_PART = /[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])/g;
/** Words too common in error text to tell one kind from another. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'the',
  'and',
  'for',
  'with',
  'this',
  'that',
  'from',
  'was',
  'are',
  'has',
  'have',
  'been',
  'its',
  'into',
  'you',
  'your',
  'can',
  'will',
  'but',
  'org',
  'com',
  'java',
  'scala',
  'apache',
  'spark',
  'databricks',
  'sql',
  'error',
  'exception',
  'failed',
]);

function readable(text: string): string {
  const capped =
    text.length <= HEAD_CHARS + TAIL_CHARS
      ? text
      : `${text.slice(0, HEAD_CHARS)}\n${text.slice(-TAIL_CHARS)}`;
  return capped
    .replace(STACK_FRAME, ' ')
    .replace(PYTHON_FRAME, ' ')
    .replace(HEX_OR_ID, ' ')
    .replace(SPARK_TASK_ENVELOPE, ' ');
}

/**
 * The tokens of one error (its message and any explicit codes), each once, in first-seen order.
 * Total: any string, however long or odd, gives a bounded list (possibly empty).
 */
export function errorTokens(message: string, codes: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const add = (token: string): void => {
    if (seen.size < MAX_TOKENS) seen.add(token);
  };
  for (const code of codes) {
    const upper = code.trim().toUpperCase();
    if (/^[A-Z][A-Z0-9_.]{2,127}$/.test(upper)) add(`code:${upper.split('.')[0]}`);
  }
  const text = readable(message);
  for (const match of text.matchAll(UPPER_CODE)) {
    add(`code:${match[0]}`);
  }
  for (const match of text.matchAll(TYPE_NAME)) {
    // The whole name is also a word below; its parts generalise to names never seen.
    const name = match[1] ?? '';
    for (const part of name.match(CAMEL_PART) ?? []) {
      const word = part.toLowerCase();
      if (word.length > 2 && !STOP_WORDS.has(word)) add(`part:${word}`);
    }
  }
  for (const match of text.matchAll(HTTP_STATUS)) {
    const status = match[1] ?? '';
    add(`http:${status}`);
    add(`http:${status[0]}xx`);
  }
  // Word pairs carry what single words cannot ("not found", "access denied", "read timed").
  let previous = '';
  for (const word of text.toLowerCase().match(WORD) ?? []) {
    if (word.length <= 2 || STOP_WORDS.has(word)) continue;
    add(word);
    if (previous !== '') add(`${previous}_${word}`);
    previous = word;
  }
  return [...seen];
}
