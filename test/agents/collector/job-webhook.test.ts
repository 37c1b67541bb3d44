import { describe, expect, it } from 'vitest';
import { checkBasicAuth, parseJobWebhook } from '../../../src/agents/collector/job-webhook.js';

const credentials = { username: 'dbxops', password: 's3cret' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const deliver = (body: unknown, overrides: Partial<Parameters<typeof parseJobWebhook>[0]> = {}) =>
  parseJobWebhook({
    contentType: 'application/json',
    authorization: basic('dbxops', 's3cret'),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    credentials,
    ...overrides,
  });

const jobFailure = {
  event_type: 'jobs.on_failure',
  workspace_id: '1234567890123456',
  run: { run_id: '455644833361223' },
  job: { job_id: '684914303928317', name: 'nightly_orders' },
};

describe('parseJobWebhook', () => {
  it('reads a job-level failure notification as Databricks sends it', () => {
    const r = deliver(jobFailure);
    expect(r).toMatchObject({
      ok: true,
      value: {
        eventType: 'jobs.on_failure',
        jobId: '684914303928317',
        jobRunId: '455644833361223',
        taskRunId: null,
        jobName: 'nightly_orders',
      },
    });
  });

  it('reads a task-level notification: run_id is the task run, parent_run_id the job run', () => {
    const r = deliver({
      ...jobFailure,
      task: { task_key: 'load_orders' },
      run: { run_id: '11110002', parent_run_id: '455644833361223' },
    });
    expect(r.ok && r.value).toMatchObject({
      jobRunId: '455644833361223',
      taskRunId: '11110002',
      taskKey: 'load_orders',
    });
  });

  it('accepts ids as JSON numbers as well as strings, and gives both the same dedup key', () => {
    const numeric = deliver({
      ...jobFailure,
      workspace_id: 1234567890123456,
      run: { run_id: 455644833361223 },
      job: { job_id: 684914303928317 },
    });
    const quoted = deliver(jobFailure);
    expect(numeric.ok && quoted.ok && numeric.value.dedupKey === quoted.value.dedupKey).toBe(true);
  });

  it('gives a redelivery the same dedup key and a different event another', () => {
    const a = deliver(jobFailure);
    const b = deliver(jobFailure);
    const c = deliver({ ...jobFailure, event_type: 'jobs.on_start' });
    expect(a.ok && b.ok && a.value.dedupKey === b.value.dedupKey).toBe(true);
    expect(a.ok && c.ok && a.value.dedupKey !== c.value.dedupKey).toBe(true);
  });

  it('refuses missing or wrong credentials', () => {
    expect(deliver(jobFailure, { authorization: undefined })).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
    expect(deliver(jobFailure, { authorization: basic('dbxops', 'wrong') })).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
    expect(deliver(jobFailure, { authorization: 'Bearer s3cret' })).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
    expect(deliver(jobFailure, { authorization: 'Basic %%%not-base64' })).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
  });

  it('checks credentials before looking at the body', () => {
    expect(deliver('x'.repeat(100_000), { authorization: undefined })).toMatchObject({
      reason: 'unauthorized',
    });
  });

  it('refuses malformed, oversized and hostile bodies with a reason', () => {
    expect(deliver('{not json')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(deliver({ event_type: 'jobs.on_failure' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(deliver({ ...jobFailure, run: { run_id: '1; DROP TABLE incidents' } })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(deliver({ ...jobFailure, run: { run_id: 1.5 } })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(deliver('x'.repeat(70_000))).toMatchObject({ ok: false, reason: 'too_large' });
    expect(deliver(jobFailure, { contentType: 'text/html' })).toMatchObject({
      ok: false,
      reason: 'unsupported_media_type',
    });
    expect(deliver(jobFailure, { contentType: undefined })).toMatchObject({
      ok: false,
      reason: 'unsupported_media_type',
    });
    expect(deliver('null')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(deliver('[]')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('keeps fields Databricks may add later', () => {
    expect(deliver({ ...jobFailure, run: { run_id: '1', run_page_url: 'https://x' }, extra: true }).ok).toBe(
      true,
    );
  });

  it('accepts anything well-formed when unauthenticated webhooks were allowed', () => {
    expect(deliver(jobFailure, { authorization: undefined, credentials: null }).ok).toBe(true);
  });
});

describe('checkBasicAuth', () => {
  it('accepts a password containing a colon', () => {
    expect(checkBasicAuth(basic('u', 'a:b'), { username: 'u', password: 'a:b' })).toBe(true);
    expect(checkBasicAuth(basic('u', 'a'), { username: 'u', password: 'a:b' })).toBe(false);
  });
});
