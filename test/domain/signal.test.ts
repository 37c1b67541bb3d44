import { describe, expect, it } from 'vitest';
import { makeSignal, signalId } from '../../src/domain/signal.js';
import { failedTaskSignal } from './signal-factory.js';

const base = {
  source: 'runs_poll',
  dedupKey: 'run:7',
  workspaceId: 'ws1',
  kind: 'job_failed',
  severityHint: 'P3',
  observedAt: 2_000,
  occurredAt: 1_000,
  subject: { type: 'job', id: '7' },
};

describe('signal', () => {
  it('gives the same observation the same id so duplicates collapse', () => {
    expect(failedTaskSignal().id).toBe(failedTaskSignal({ observedAt: 1_717_000_999_000 }).id);
    expect(signalId('webhook', 'a')).toBe(signalId('webhook', 'a'));
    expect(signalId('webhook', 'a')).not.toBe(signalId('runs_poll', 'a'));
    // The separator keeps ("ab","c") and ("a","bc") apart.
    expect(signalId('ab', 'c')).not.toBe(signalId('a', 'bc'));
  });

  it('accepts kinds it does not know yet, in snake_case', () => {
    const result = makeSignal({ ...base, kind: 'photon_fallback' });
    expect(result.ok).toBe(true);
  });

  it('refuses a malformed kind, subject type or severity with the field named', () => {
    const result = makeSignal({
      ...base,
      kind: 'Job Failed!',
      subject: { type: 'notebook', id: '1' },
      severityHint: 'P9',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('invalid_signal');
    const paths = ((result.details?.issues ?? []) as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'subject.type', 'severityHint']));
  });

  it('refuses non-objects and missing fields without throwing', () => {
    for (const junk of [null, 42, 'signal', [], {}, { ...base, workspaceId: undefined }]) {
      expect(makeSignal(junk).ok).toBe(false);
    }
  });

  it('carries int64 run ids as exact strings', () => {
    const result = makeSignal({ ...base, refs: { runId: 9_007_199_254_740_993n, jobId: 12 } });
    expect(result.ok && result.value.refs).toEqual({ runId: '9007199254740993', jobId: '12' });
  });

  it('truncates a 1 MB error message instead of losing the signal', () => {
    const result = makeSignal({ ...base, error: { message: 'x'.repeat(1_048_576) } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.error?.message.length).toBe(16_384);
    expect(result.value.error?.message.endsWith('…')).toBe(true);
  });

  it('replaces NUL and lone surrogates that PostgreSQL cannot store', () => {
    const result = makeSignal({ ...base, error: { message: 'bad\u0000byte \ud800 and 😀 stays' } });
    expect(result.ok && result.value.error?.message).toBe('bad\ufffdbyte \ufffd and 😀 stays');
  });

  it('refuses evidence links that are not http(s)', () => {
    const result = makeSignal({ ...base, evidence: [{ label: 'run', url: 'javascript:alert(1)' }] });
    expect(result.ok).toBe(false);
  });

  it('refuses non-finite metrics', () => {
    expect(makeSignal({ ...base, metrics: { observed: Number.NaN } }).ok).toBe(false);
    expect(makeSignal({ ...base, metrics: { observed: 3, baseline: 100 } }).ok).toBe(true);
  });
});
