// Writes the learned classifier's training examples (src/agents/classifier/learned-examples.jsonl)
// from the `tune` rows of the labelled corpus (test/fixtures/errors/real-errors.jsonl), in corpus
// order. The package ships the copy, not the test fixtures; test/agents/classifier/learned-classifier.test.ts
// fails when the copy differs from the tune rows. Run after adding or relabelling tune rows:
//
//   node scripts/learned-examples.js
//
// Only `tune` rows are copied: holdout and the unseen splits stay honest measures of what it learned.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, 'test/fixtures/errors/real-errors.jsonl');
const target = join(root, 'src/agents/classifier/learned-examples.jsonl');

const lines = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line))
  .filter((row) => row.split === 'tune')
  .map((row) =>
    JSON.stringify({
      id: row.id,
      message: row.message,
      ...(row.error_code === undefined ? {} : { error_code: row.error_code }),
      ...(row.termination_code === undefined ? {} : { termination_code: row.termination_code }),
      category: row.expected_category,
      action: row.expected_action,
    }),
  );
writeFileSync(target, `${lines.join('\n')}\n`);
console.info(`wrote ${lines.length} examples to ${target}`);
