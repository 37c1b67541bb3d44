import { describe, expect, it } from 'vitest';
import { fingerprint, fingerprintParts, normaliseError } from '../../src/domain/fingerprint.js';
import { failedTaskSignal } from './signal-factory.js';

describe('normaliseError', () => {
  it.each([
    ['run ids and numbers', 'Run 1001 failed after 3 attempts', 'run <n> failed after <n> attempts'],
    ['ISO timestamps', 'at 2024-05-01T02:03:04.567Z failed', 'at <ts> failed'],
    ['UUIDs', 'request 3f2a6c1e-9b7d-4e21-8c55-0a1b2c3d4e5f denied', 'request <uuid> denied'],
    ['hex', 'object 0x7ffe12ab and deadbeef42 gone', 'object <hex> and <hex> gone'],
    ['quoted literals', `Column 'amount_usd' not in "sales"`, 'column <str> not in <str>'],
    ['backticked names', 'The table `main`.`sales` cannot be found', 'the table <str>.<str> cannot be found'],
    [
      'cloud paths',
      'Path does not exist: dbfs:/mnt/raw/2024/05/01/part-0001.parquet',
      'path does not exist: <path>',
    ],
    ['s3 URLs', 'Access Denied for s3://bucket/key/x.json', 'access denied for <url>'],
    ['unix paths', 'No such file: /Workspace/Users/ana@example.com/etl/run.py', 'no such file: <path>'],
    ['cluster ids', 'Cluster 0523-101010-abcde123 terminated', 'cluster <cluster> terminated'],
    [
      'py4j object ids',
      'An error occurred while calling o123.save',
      'an error occurred while calling o<n>.save',
    ],
    ['whitespace and case', '  OutOfMemoryError:\n\tJava   heap space ', 'outofmemoryerror: java heap space'],
  ])('masks %s', (_name, message, expected) => {
    expect(normaliseError(message)).toBe(expected);
  });

  it('normalises the same failure on two days to the same text', () => {
    const monday =
      '[DELTA_CONCURRENT_APPEND] Files were added to partition [date=2024-05-06] by a concurrent update. Transaction 8812 at 2024-05-06T03:00:01Z';
    const tuesday =
      '[DELTA_CONCURRENT_APPEND] Files were added to partition [date=2024-05-07] by a concurrent update. Transaction 8977 at 2024-05-07T03:00:09Z';
    expect(normaliseError(monday)).toBe(normaliseError(tuesday));
  });

  it('keeps different errors apart', () => {
    expect(normaliseError('java.lang.OutOfMemoryError: Java heap space')).not.toBe(
      normaliseError('java.lang.OutOfMemoryError: GC overhead limit exceeded'),
    );
  });

  it('caps its output and survives hostile input quickly', () => {
    const hostile = `${'"'.repeat(50_000)}${"'a".repeat(50_000)}${'/x'.repeat(50_000)}`;
    const started = performance.now();
    const out = normaliseError(hostile + 'x'.repeat(1_000_000));
    expect(out.length).toBeLessThanOrEqual(400);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('fingerprint', () => {
  it('is stable over run ids, timestamps and the per-run cluster', () => {
    const first = failedTaskSignal();
    const nextDay = failedTaskSignal({
      dedupKey: 'run:2001:task:ingest:failed',
      observedAt: 1_717_086_460_000,
      occurredAt: 1_717_086_400_000,
      refs: {
        jobId: '42',
        runId: '2001',
        taskKey: 'ingest',
        taskRunId: '2002',
        clusterId: '0524-101010-zzzzz999',
      },
      error: {
        message:
          '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`sales`.`orders_2025` cannot be found. SQLSTATE: 42P01; line 1 pos 14',
        errorClass: 'TABLE_OR_VIEW_NOT_FOUND',
      },
    });
    expect(fingerprint(nextDay)).toBe(fingerprint(first));
    expect(fingerprint(first)).toMatch(/^fp_[0-9a-f]{24}$/);
  });

  it('differs for another task of the same job', () => {
    const other = failedTaskSignal({ refs: { jobId: '42', runId: '1001', taskKey: 'publish' } });
    expect(fingerprint(other)).not.toBe(fingerprint(failedTaskSignal()));
  });

  it('differs for another workspace', () => {
    expect(fingerprint(failedTaskSignal({ workspaceId: '999' }))).not.toBe(fingerprint(failedTaskSignal()));
  });

  it('differs for another classification of the same task', () => {
    const oom = failedTaskSignal({
      error: { message: 'java.lang.OutOfMemoryError: Java heap space' },
      classification: {
        category: 'resource',
        transient: false,
        action: 'RETRY_WITH_NEW_PARAMS',
        rule: 'spark.oom.java_heap',
      },
    });
    expect(fingerprint(oom)).not.toBe(fingerprint(failedTaskSignal()));
  });

  it('names the job and task, not the run, in its parts', () => {
    expect(fingerprintParts(failedTaskSignal())).toMatchObject({
      subject: 'job:42/task:ingest',
      cause: 'missing_object/uc.table_not_found',
    });
  });

  it('uses the warehouse for warehouse signals without an error', () => {
    const queueing = failedTaskSignal({
      kind: 'warehouse_queueing',
      subject: { type: 'warehouse', id: 'abc123def456' },
      refs: { warehouseId: 'abc123def456' },
      error: undefined,
      classification: undefined,
    });
    expect(fingerprintParts(queueing)).toEqual({
      workspace: '1234567890123456',
      subject: 'warehouse:abc123def456',
      cause: 'warehouse_queueing',
      error: '',
    });
  });
});
