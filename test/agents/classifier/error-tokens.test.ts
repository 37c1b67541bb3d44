import { describe, expect, it } from 'vitest';
import { errorTokens } from '../../../src/agents/classifier/error-tokens.js';

describe('errorTokens', () => {
  it('reads an error class as a whole code and as its words', () => {
    const tokens = errorTokens('[DELTA_CONCURRENT_APPEND] Files were added to the table');
    expect(tokens).toEqual(
      expect.arrayContaining(['code:DELTA_CONCURRENT_APPEND', 'delta', 'concurrent', 'append']),
    );
  });

  it('splits an exception name at its capitals, so a name never seen still says what it is', () => {
    const tokens = errorTokens('io.delta.exceptions.ConcurrentAppendException: conflicting commit');
    expect(tokens).toEqual(expect.arrayContaining(['part:concurrent', 'part:append']));
    expect(tokens).not.toContain('part:exception');
  });

  it('reads HTTP statuses and their family, and explicit codes', () => {
    const tokens = errorTokens('Response from server (503) Service Unavailable', ['temporarily_unavailable']);
    expect(tokens).toEqual(expect.arrayContaining(['http:503', 'http:5xx', 'code:TEMPORARILY_UNAVAILABLE']));
  });

  it('keeps adjacent word pairs and drops words every error has', () => {
    const tokens = errorTokens('Error: the table was not found');
    expect(tokens).toEqual(expect.arrayContaining(['not', 'found', 'not_found']));
    expect(tokens).not.toContain('error');
    expect(tokens).not.toContain('the');
  });

  it("skips Spark's failed-task envelope, which reads the same whatever the task threw", () => {
    const tokens = errorTokens(
      'org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times, most recent failure: Lost task 3.3 in stage 7.0 (TID 91, 10.0.0.5, executor 4): java.lang.ArithmeticException: divide by zero',
    );
    expect(tokens).toEqual(expect.arrayContaining(['divide', 'zero', 'part:arithmetic']));
    expect(tokens).not.toContain('executor');
    expect(tokens).not.toContain('lost');
  });

  it('skips Java and Python stack frames and long hexadecimal ids', () => {
    const tokens = errorTokens(
      [
        'java.lang.OutOfMemoryError: Java heap space',
        '\tat org.apache.spark.sql.Dataset.collectToPython(Dataset.scala:4215)',
        '  File "/databricks/python/lib/site.py", line 12, in run',
        'run 0123456789abcdef0123 failed',
      ].join('\n'),
    );
    expect(tokens).toEqual(expect.arrayContaining(['heap', 'space']));
    expect(tokens).not.toContain('collecttopython');
    expect(tokens).not.toContain('site');
    expect(tokens.some((t) => t.includes('0123456789'))).toBe(false);
  });

  it('gives each token once, a bounded list for megabytes of text, and nothing for empty or binary input', () => {
    expect(errorTokens('timeout timeout timeout').filter((t) => t === 'timeout')).toHaveLength(1);
    const huge = Array.from({ length: 200_000 }, (_, i) => `word${i}`).join(' ');
    expect(errorTokens(huge).length).toBeLessThanOrEqual(600);
    expect(errorTokens('')).toEqual([]);
    expect(errorTokens('\u0000\u0001\uFFFD\uFFFD')).toEqual([]);
  });
});
