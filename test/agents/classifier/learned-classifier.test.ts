import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyError,
  classifyErrorWithSecondOpinion,
  createErrorClassifier,
  isLearnedRule,
} from '../../../src/agents/classifier/classify-error.js';
import {
  loadDefaultErrorPatterns,
  NEVER_RETRY_CATEGORIES,
  parseErrorPatterns,
} from '../../../src/agents/classifier/error-patterns.js';
import {
  type LearnedExample,
  loadLearnedExamples,
  parseLearnedExamples,
  trainLearnedClassifier,
} from '../../../src/agents/classifier/learned-classifier.js';

const shipped = loadLearnedExamples();
const learned = trainLearnedClassifier(shipped);
/** No pattern at all: every answer is the learned layer's, or `unknown`. */
const learnedOnly = createErrorClassifier([], { learned });

describe('the learned classifier’s training examples', () => {
  it('are exactly the corpus’s tune rows, in order (run `node scripts/learned-examples.js` after changing them)', () => {
    const corpus = readFileSync(new URL('../../fixtures/errors/real-errors.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((row) => row.split === 'tune')
      .map((row) => ({
        id: row.id,
        message: row.message,
        ...(row.error_code === undefined ? {} : { error_code: row.error_code }),
        ...(row.termination_code === undefined ? {} : { termination_code: row.termination_code }),
        category: row.expected_category,
        action: row.expected_action,
      }));
    expect(shipped).toEqual(corpus);
  });

  it('refuses a file with a line that is not a labelled example or repeats an id, naming the line', () => {
    const good = JSON.stringify({ id: 'a', message: 'x', category: 'network', action: 'RETRY' });
    expect(() => parseLearnedExamples(`${good}\n{"id": "b"`)).toThrow(/:2 is not valid JSON/);
    expect(() =>
      parseLearnedExamples(
        `${good}\n${JSON.stringify({ id: 'c', message: 'y', category: 'bogus', action: 'RETRY' })}`,
      ),
    ).toThrow(/:2 is not a labelled example/);
    expect(() => parseLearnedExamples(`${good}\n\n${good}`)).toThrow(/:3 repeats the id a/);
    expect(parseLearnedExamples(`\n${good}\n   \n`)).toHaveLength(1);
  });
});

describe('the learned layer beside the rules', () => {
  it('labels a wording no pattern knows after the kind of error it resembles, and says it is a learned guess', () => {
    const message = 'bundle deploy: variable "env" has no value and no default in target prod';
    const got = classifyError({ message });
    expect(got).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER', transient: false });
    expect(isLearnedRule(got.rule)).toBe(true);
    expect(got.fixHint).toMatch(/guess learned from similar labelled errors/);
    expect(got.confidence).toBeGreaterThanOrEqual(0.4);
    expect(got.confidence).toBeLessThan(0.85);
  });

  it('keeps the rules’ answer where a pattern matched an error class, however much the words say otherwise', () => {
    const message =
      '[TABLE_OR_VIEW_NOT_FOUND] The table `main.sales.orders` cannot be found. ' +
      'connection reset by peer, socket timeout, network unreachable, retry the request later, throttled';
    const got = classifyError({ message });
    expect(got).toMatchObject({ category: 'missing_object', rule: 'uc.table_not_found' });
  });

  it('replaces a generic-word guess only when it is sure, and keeps the rules’ guess otherwise', () => {
    const patterns = parseErrorPatterns(`
- id: generic.words
  priority: 12
  match: { regex: ["deploy"] }
  category: dependency
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: A generic guess from one word.
`);
    const sure = createErrorClassifier(patterns, { learned, policy: { none: 0.4, guess: 0 } });
    const never = createErrorClassifier(patterns, { learned, policy: { none: 0.4, guess: 1.01 } });
    const message = 'bundle deploy: variable "env" has no value and no default in target prod';
    expect(sure({ message })).toMatchObject({ category: 'config' });
    expect(isLearnedRule(sure({ message }).rule)).toBe(true);
    expect(never({ message })).toMatchObject({ category: 'dependency', rule: 'generic.words' });
  });

  it('learns what to do from every category’s examples, not only those of the category it names', () => {
    // Wording that says the tool's own state broke is escalated whatever the category; the one
    // configuration example escalated says nothing of the kind, and the configuration errors that share
    // this one's wording go to their owner, so the likeliest configuration pair alone would tell the owner.
    const examples = parseLearnedExamples(
      [
        ['c1', 'bundle variable has no value in target dev', 'config', 'NOTIFY_OWNER'],
        ['c2', 'bundle variable has no value in target prod', 'config', 'NOTIFY_OWNER'],
        ['c3', 'bundle variable has no value in target test', 'config', 'NOTIFY_OWNER'],
        ['c4', 'bundle variable resolver crashed', 'config', 'ESCALATE'],
        ['n1', 'socket layer crashed: unexpected internal state, report upstream', 'network', 'ESCALATE'],
        ['n2', 'socket pool crashed: unexpected internal state, report upstream', 'network', 'ESCALATE'],
        ['r1', 'allocator crashed: unexpected internal state, report upstream', 'resource', 'ESCALATE'],
        ['r2', 'spill manager crashed: unexpected internal state, report upstream', 'resource', 'ESCALATE'],
      ]
        .map(([id, message, category, action]) => JSON.stringify({ id, message, category, action }))
        .join('\n'),
    );
    const learnedHere = trainLearnedClassifier(examples);
    expect(learnedHere('bundle variable has no value: unexpected internal state')).toMatchObject({
      category: 'config',
      action: 'ESCALATE',
    });
    expect(learnedHere('bundle variable has no value in target stage')).toMatchObject({
      category: 'config',
      action: 'NOTIFY_OWNER',
    });
  });

  it('weighs a category’s examples together, so a category given many actions is not favoured for it', () => {
    // The error shares three words with the network examples and one with a configuration one; summing
    // the (category, action) pairs' probabilities counted configuration once per action it was given.
    const examples = parseLearnedExamples(
      [
        ['c1', 'widget manifest stalled', 'config', 'NOTIFY_OWNER'],
        ['c2', 'widget registry stalled', 'config', 'ESCALATE'],
        ['c3', 'widget loader stalled', 'config', 'RETRY_WITH_NEW_PARAMS'],
        ['c4', 'widget manifest invalid', 'config', 'NOTIFY_OWNER'],
        ['n1', 'widget socket stalled', 'network', 'RETRY'],
        ['n2', 'widget socket stalled during handshake', 'network', 'RETRY'],
        ['n3', 'widget socket stalled after handshake', 'network', 'RETRY'],
        ['n4', 'widget socket reset', 'network', 'RETRY'],
      ]
        .map(([id, message, category, action]) => JSON.stringify({ id, message, category, action }))
        .join('\n'),
    );
    expect(trainLearnedClassifier(examples)('widget stalled during handshake, loader')).toMatchObject({
      category: 'network',
    });
  });

  it('never proposes a plain RETRY, least of all for a category a retry cannot fix', () => {
    for (const example of shipped) {
      const got = learnedOnly({ message: example.message });
      expect(got.action, example.id).not.toBe('RETRY');
      expect(got.transient, example.id).toBe(false);
    }
    const categories = new Set(shipped.map((e) => learnedOnly({ message: e.message }).category));
    expect([...categories].some((c) => NEVER_RETRY_CATEGORIES.has(c))).toBe(true);
    expect(categories.has('network')).toBe(true);
  });

  it('says what more to give when it suggests retrying with new parameters', () => {
    const answers = shipped
      .map((e) => learnedOnly({ message: e.message }))
      .filter((c) => c.action === 'RETRY_WITH_NEW_PARAMS');
    expect(answers.length).toBeGreaterThan(0);
    for (const c of answers) expect(c.paramsHint).not.toBeNull();
  });

  it('answers empty, binary, hostile and oversized input sanely', () => {
    const inputs = [
      '',
      '   \n\t',
      '\u0000\u0001\u0002\uFFFD\uFFFD',
      Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80]).toString('latin1'),
      '<script>alert(1)</script> {{constructor.constructor("x")()}} __proto__ toString hasOwnProperty',
      'OutOfMemory '.repeat(200_000),
      `${'a'.repeat(3_000_000)} Java heap space`,
    ];
    for (const message of inputs) {
      const got = classifyError({ message });
      expect(got.category).toMatch(/^[a-z_]+$/);
      expect(got.confidence).toBeGreaterThanOrEqual(0);
      expect(got.confidence).toBeLessThanOrEqual(1);
      expect(got.fixHint.length).toBeGreaterThan(0);
    }
    expect(classifyError({ message: '' })).toMatchObject({ category: 'unknown', rule: 'fallback' });
    expect(() => learned('__proto__ constructor prototype hasOwnProperty')).not.toThrow();
  });

  it('gives the same answers from a model trained again on the same examples', () => {
    const again = createErrorClassifier([], { learned: trainLearnedClassifier(loadLearnedExamples()) });
    const sample: LearnedExample[] = shipped.filter((_, i) => i % 7 === 0);
    for (const example of sample) {
      expect(again({ message: example.message }), example.id).toEqual(
        learnedOnly({ message: example.message }),
      );
    }
  });

  it('leaves a learned answer below 0.5 to the second opinion, and a surer one alone', async () => {
    const eager = createErrorClassifier(loadDefaultErrorPatterns(), {
      learned,
      policy: { none: 0, guess: 0.7 },
    });
    const asked: string[] = [];
    const secondOpinion = async (input: { message: string }) => {
      asked.push(input.message);
      return { category: 'network', transient: false, action: 'NOTIFY_OWNER' };
    };
    const unsure = 'the warehouse reported: remote peer hung up while streaming result chunks';
    const first = eager({ message: unsure });
    expect(isLearnedRule(first.rule)).toBe(true);
    expect(first.confidence).toBeLessThan(0.5);
    const second = await classifyErrorWithSecondOpinion(
      { message: unsure },
      { classifier: eager, secondOpinion },
    );
    expect(second).toMatchObject({ category: 'network', rule: 'second_opinion' });

    const sure = 'bundle deploy: variable "env" has no value and no default in target prod';
    const kept = await classifyErrorWithSecondOpinion(
      { message: sure },
      { classifier: eager, secondOpinion },
    );
    expect(isLearnedRule(kept.rule)).toBe(true);
    expect(asked).toEqual([unsure]);
  });

  it('loads with the shipped patterns and examples without either knowing the other', () => {
    const rulesOnly = createErrorClassifier(loadDefaultErrorPatterns());
    const message = 'bundle deploy: variable "env" has no value and no default in target prod';
    expect(rulesOnly({ message }).rule).toBe('fallback');
  });
});
