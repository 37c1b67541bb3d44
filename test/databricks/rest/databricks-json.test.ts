import { describe, expect, it } from 'vitest';
import { parseDatabricksJson } from '../../../src/databricks/rest/databricks-json.js';
import { Prng } from '../../../src/sim/engine/prng.js';

/**
 * What `parseDatabricksJson` promises, with its reviver always on (no fast path): null object fields
 * dropped, nulls in arrays kept, integers beyond 2^53 kept as their exact source text.
 */
function alwaysRevived(text: string): unknown {
  return JSON.parse(text, function (this: unknown, _key, value: unknown, context?: { source?: string }) {
    if (value === null && !Array.isArray(this)) return undefined;
    if (typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? '')) {
      return context?.source;
    }
    return value;
  });
}

/** Parses `text` and checks the result is the one the always-revived parse gives. */
function parsed(text: string): unknown {
  const value = parseDatabricksJson(text);
  expect(value).toStrictEqual(alwaysRevived(text));
  return value;
}

describe('parseDatabricksJson', () => {
  it('drops null fields of objects, at any depth', () => {
    const value = parsed(
      '{"job_id":12,"end_time":null,"state":{"result_state":null,"life_cycle_state":"RUNNING"}}',
    );
    expect(value).toStrictEqual({ job_id: 12, state: { life_cycle_state: 'RUNNING' } });
    expect(Object.keys(value as object)).toEqual(['job_id', 'state']);
  });

  it('keeps nulls inside arrays (SQL NULLs in data_array)', () => {
    expect(parsed('{"result":{"data_array":[["a",null,"3"],[null,null,null]]}}')).toStrictEqual({
      result: {
        data_array: [
          ['a', null, '3'],
          [null, null, null],
        ],
      },
    });
    expect(parsed('[null]')).toStrictEqual([null]);
  });

  it('answers a bare null with undefined, as a dropped field', () => {
    expect(parsed('null')).toBeUndefined();
  });

  it('keeps an integer beyond 2^53 as its exact digits', () => {
    expect(parsed('{"run_id":9007199254740993}')).toStrictEqual({ run_id: '9007199254740993' });
    expect(parsed('{"run_id":9007199254740992}')).toStrictEqual({ run_id: '9007199254740992' });
    expect(parsed('[-9007199254740993, 123456789012345678901234567890]')).toStrictEqual([
      '-9007199254740993',
      '123456789012345678901234567890',
    ]);
  });

  it('keeps the largest safe integer and 16-digit safe ids as numbers', () => {
    expect(parsed('{"run_id":9007199254740991}')).toStrictEqual({ run_id: 9_007_199_254_740_991 });
    expect(
      parsed('{"workspace_id":1234567890123456,"job_id":684914303928317,"neg":-9007199254740991}'),
    ).toStrictEqual({
      workspace_id: 1_234_567_890_123_456,
      job_id: 684_914_303_928_317,
      neg: -9_007_199_254_740_991,
    });
  });

  it('leaves fractions and exponents beyond 2^53 as numbers', () => {
    // Rounded to the nearest double, as JSON.parse rounds them: only whole numbers keep their digits.
    expect(
      parsed('[12345678901234567.5, 1e300, 9.007199254740993e15, 0.12345678901234567890]'),
    ).toStrictEqual([12_345_678_901_234_568, 1e300, 9_007_199_254_740_992, 0.12345678901234568]);
  });

  it('leaves the word null and long digit runs inside strings alone', () => {
    expect(parsed('{"message":"value was null","note":"null","id":"9007199254740993"}')).toStrictEqual({
      message: 'value was null',
      note: 'null',
      id: '9007199254740993',
    });
    expect(parsed('{"nullable":true,"annulled":"x"}')).toStrictEqual({ nullable: true, annulled: 'x' });
  });

  it('refuses malformed JSON as JSON.parse does', () => {
    for (const text of ['{"a":', '', 'NULL', '{"a":nul}', '[9007199254740993,]']) {
      expect(() => parseDatabricksJson(text)).toThrow(SyntaxError);
    }
  });

  it('gives the always-revived result for 2,000 random responses', () => {
    const rng = new Prng(53);
    const word = () =>
      rng.pick(['null', 'RUNNING', 'x', '', 'nul', 'nullable', '1234567890123456789', 'é😀']);
    const integer = () =>
      rng.pick([
        () => String(rng.int(-1_000, 1_000)),
        () => String(rng.int(1, 9)) + rng.chars(rng.int(14, 16), '0123456789'),
        () => String(rng.int(1, 9)) + rng.chars(rng.int(16, 25), '0123456789'),
        () => rng.pick(['9007199254740991', '9007199254740992', '-9007199254740993', '1000000000000000']),
      ])();
    const value = (depth: number): string => {
      const kinds = depth > 3 ? 5 : 7;
      switch (rng.int(0, kinds)) {
        case 0:
          return 'null';
        case 1:
          return integer();
        case 2:
          return `${integer()}.${rng.chars(rng.int(1, 20), '0123456789')}`;
        case 3:
          return JSON.stringify(word());
        case 4:
          return rng.pick(['true', 'false', '1e300', '-2.5E-3']);
        case 5:
          return integer();
        case 6:
          return `[${Array.from({ length: rng.int(0, 4) }, () => value(depth + 1)).join(',')}]`;
        default:
          return `{${Array.from(
            { length: rng.int(0, 4) },
            (_, i) => `${JSON.stringify(`${word()}${i}`)}:${value(depth + 1)}`,
          ).join(',')}}`;
      }
    };
    let fast = 0;
    for (let i = 0; i < 2_000; i++) {
      const text = value(0);
      expect(parseDatabricksJson(text), text).toStrictEqual(alwaysRevived(text));
      if (!/null|\d{16}/.test(text)) fast += 1;
    }
    // Both paths were exercised.
    expect(fast).toBeGreaterThan(200);
    expect(fast).toBeLessThan(1_800);
  });
});
