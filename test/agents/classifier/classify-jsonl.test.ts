import { describe, expect, it } from 'vitest';
import { classifyJsonl, MAX_JSONL_LINE_CHARS } from '../../../src/agents/classifier/classify-jsonl.js';

async function* linesOf(lines: readonly string[]): AsyncIterable<string> {
  for (const line of lines) yield line;
}

async function run(lines: readonly string[]) {
  const out: string[] = [];
  const summary = await classifyJsonl(linesOf(lines), (line) => out.push(line));
  return { rows: out.map((line) => JSON.parse(line) as Record<string, unknown>), summary, raw: out };
}

describe('classifyJsonl', () => {
  it('answers each line in input order with the documented fields only', async () => {
    const { rows, summary } = await run([
      JSON.stringify({ id: 'a', message: 'java.lang.OutOfMemoryError: Java heap space' }),
      JSON.stringify({ id: 2, message: 'Run 9 does not exist', error_code: 'INVALID_PARAMETER_VALUE' }),
    ]);
    expect(rows).toEqual([
      {
        id: 'a',
        category: 'resource',
        transient: false,
        action: 'RETRY_WITH_NEW_PARAMS',
        params_hint: { increase: 'executor_memory' },
        rule: 'spark.oom.java_heap',
        confidence: 0.75,
      },
      expect.objectContaining({
        id: 2,
        category: 'missing_object',
        action: 'NOTIFY_OWNER',
        params_hint: null,
      }),
    ]);
    expect(summary).toEqual({ lines: 2, classified: 2, errors: 0 });
  });

  it('skips blank lines and answers malformed lines with an error, then carries on', async () => {
    const { rows, summary } = await run([
      '',
      '   ',
      '{"id": "broken", "message": ',
      'not json at all',
      JSON.stringify({ id: 'no-message' }),
      JSON.stringify({ message: 'no id' }),
      JSON.stringify({ id: 'ok', message: 'Connection reset by peer' }),
    ]);
    expect(rows).toEqual([
      { id: 'broken', error: 'line is not valid JSON' },
      { id: null, error: 'line is not valid JSON' },
      { id: 'no-message', error: expect.stringContaining('message') },
      { id: null, error: expect.stringContaining('id') },
      expect.objectContaining({ id: 'ok', category: 'network', action: 'RETRY' }),
    ]);
    expect(summary).toEqual({ lines: 5, classified: 1, errors: 4 });
  });

  it('answers duplicated ids once per line, in order', async () => {
    const line = JSON.stringify({ id: 'dup', message: 'No module named x' });
    const { rows } = await run([line, line]);
    expect(rows.map((r) => [r.id, r.category])).toEqual([
      ['dup', 'dependency'],
      ['dup', 'dependency'],
    ]);
  });

  it('refuses lines that are not objects, and wrong-typed fields, without losing the id', async () => {
    const { rows } = await run([
      '[1,2,3]',
      'null',
      '"just a string"',
      JSON.stringify({ id: { nested: true }, message: 'x' }),
      JSON.stringify({ id: 'typed', message: 42 }),
      JSON.stringify({ id: 'code', message: 'x', error_code: ['A'] }),
    ]);
    expect(rows.every((r) => typeof r.error === 'string')).toBe(true);
    expect(rows.map((r) => r.id)).toEqual([null, null, null, null, 'typed', 'code']);
  });

  it('treats hostile keys as plain data', async () => {
    const { rows } = await run(['{"id":"p","message":"permission denied","__proto__":{"polluted":true}}']);
    expect(rows[0]).toMatchObject({ id: 'p', category: 'permission' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('classifies very long messages and refuses lines beyond the limit with the id salvaged', async () => {
    const long = JSON.stringify({ id: 'long', message: `${'x'.repeat(1_000_000)} No space left on device` });
    const tooLong = `{"id":"huge","message":"${'y'.repeat(MAX_JSONL_LINE_CHARS)}"}`;
    const { rows } = await run([long, tooLong]);
    expect(rows[0]).toMatchObject({ id: 'long', category: 'resource' });
    expect(rows[1]).toMatchObject({ id: 'huge', error: expect.stringContaining('limit') });
  });

  it('accepts a byte-order mark, control characters and binary inside messages', async () => {
    const binary = String.fromCharCode(...Array.from({ length: 512 }, (_, i) => i % 256));
    const { rows } = await run([
      `\uFEFF${JSON.stringify({ id: 'bom', message: 'Token is expired' })}`,
      JSON.stringify({ id: 'bin', message: binary }),
    ]);
    expect(rows[0]).toMatchObject({ id: 'bom', category: 'permission' });
    expect(rows[1]).toMatchObject({ id: 'bin' });
    expect(rows[1]?.category).toBeDefined();
  });
});
