import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';

interface CorpusRow {
  id: string;
  split: 'tune' | 'holdout';
  message: string;
  error_code?: string;
  termination_code?: string;
  expected_category: string;
  expected_action: string;
  source: string;
}

const CORPUS_PATH = new URL('../../fixtures/errors/real-errors.jsonl', import.meta.url);
const rows: CorpusRow[] = readFileSync(CORPUS_PATH, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CorpusRow);

function accuracy(subset: readonly CorpusRow[]): { category: number; action: number; misses: string[] } {
  let category = 0;
  let action = 0;
  const misses: string[] = [];
  for (const row of subset) {
    const got = classifyError({
      message: row.message,
      errorCode: row.error_code,
      terminationCode: row.termination_code,
    });
    if (got.category === row.expected_category) category += 1;
    if (got.action === row.expected_action) action += 1;
    if (got.category !== row.expected_category || got.action !== row.expected_action) {
      misses.push(
        `${row.id} expected ${row.expected_category}/${row.expected_action}, got ${got.category}/${got.action} (${got.rule})`,
      );
    }
  }
  return { category: category / subset.length, action: action / subset.length, misses };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

describe('accuracy on real error messages from public issue trackers and docs', () => {
  it('has at least 150 labelled messages, each with a source and a unique id', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.source.length, row.id).toBeGreaterThan(0);
      expect(row.message.length, row.id).toBeGreaterThan(0);
    }
    expect(rows.filter((r) => r.split === 'holdout').length).toBeGreaterThanOrEqual(40);
  });

  it('reaches at least 85% category and 80% action accuracy on the whole corpus, and reports each split', () => {
    const tune = accuracy(rows.filter((r) => r.split === 'tune'));
    const holdout = accuracy(rows.filter((r) => r.split === 'holdout'));
    const all = accuracy(rows);
    console.info(
      [
        `classifier accuracy — tune: category ${pct(tune.category)}, action ${pct(tune.action)}`,
        `                   holdout: category ${pct(holdout.category)}, action ${pct(holdout.action)}`,
        `                       all: category ${pct(all.category)}, action ${pct(all.action)}`,
        ...all.misses.map((m) => `  miss ${m}`),
      ].join('\n'),
    );
    expect(all.category).toBeGreaterThanOrEqual(0.85);
    expect(all.action).toBeGreaterThanOrEqual(0.8);
    expect(holdout.category).toBeGreaterThanOrEqual(0.8);
    expect(holdout.action).toBeGreaterThanOrEqual(0.75);
  });
});
