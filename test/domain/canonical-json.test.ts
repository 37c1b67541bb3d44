import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from '../../src/domain/canonical-json.js';

describe('canonicalJson', () => {
  it('writes equal values as the same text whatever the key order', () => {
    const a = {
      kind: 'repair',
      calls: [{ path: '/x', method: 'POST', body: { b: 1, a: [2, { d: 3, c: 4 }] } }],
    };
    const b = {
      calls: [{ body: { a: [2, { c: 4, d: 3 }], b: 1 }, method: 'POST', path: '/x' }],
      kind: 'repair',
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe(
      '{"calls":[{"body":{"a":[2,{"c":4,"d":3}],"b":1},"method":"POST","path":"/x"}],"kind":"repair"}',
    );
    expect(canonicalHash(a)).toBe(canonicalHash(b));
  });

  it('tells plans apart that differ in one value or in array order', () => {
    expect(canonicalHash({ size: 'Large' })).not.toBe(canonicalHash({ size: 'X-Large' }));
    expect(canonicalHash([1, 2])).not.toBe(canonicalHash([2, 1]));
  });

  it('drops undefined members and writes what JSON cannot hold as JSON would', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, Number.NaN], c: 10n, d: new Date(0) })).toBe(
      '{"b":[null,null],"c":"10","d":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('reads back to the same text: what a verifier recomputes from an export', () => {
    const value = { x: 0.1 + 0.2, y: -0, z: 'é\u2028"\\', n: [1e21, 5e-324] };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});
