import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/dbxops.js');

async function classify(stdin: string): Promise<unknown[]> {
  const child = run(process.execPath, [BIN, 'classify'], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin?.end(stdin);
  const { stdout } = await child;
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('dbxops classify', () => {
  it('writes one classification per input line, in order, and reports bad lines in place', async () => {
    const out = await classify(
      [
        JSON.stringify({ id: 'oom', message: 'java.lang.OutOfMemoryError: Java heap space' }),
        '{broken',
        JSON.stringify({
          id: 'perm',
          message:
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table 'main.fin.gl'.",
        }),
        JSON.stringify({
          id: 'perm',
          message:
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table 'main.fin.gl'.",
        }),
        JSON.stringify({
          id: 'cap',
          message: 'Cluster terminated. Reason: AWS Insufficient Instance Capacity Failure',
          error_code: 'AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE',
        }),
      ].join('\n'),
    );
    expect(out).toHaveLength(5);
    expect(out[0]).toMatchObject({ id: 'oom', category: 'resource', action: 'RETRY_WITH_NEW_PARAMS' });
    expect(out[1]).toMatchObject({ id: null, error: expect.any(String) });
    expect(out[2]).toMatchObject({
      id: 'perm',
      category: 'permission',
      action: 'NOTIFY_OWNER',
      transient: false,
    });
    expect(out[3]).toEqual(out[2]);
    expect(out[4]).toMatchObject({ id: 'cap', category: 'capacity' });
    for (const line of [out[0], out[2], out[4]]) {
      expect(Object.keys(line as object).sort()).toEqual([
        'action',
        'category',
        'confidence',
        'id',
        'params_hint',
        'rule',
        'transient',
      ]);
    }
  });

  it('handles 20,000 lines without holding them all', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({
        id: String(i),
        message: `ConnectionResetError: [Errno 104] Connection reset by peer #${i}`,
      }),
    );
    const out = await classify(lines.join('\n'));
    expect(out).toHaveLength(20_000);
    expect(out[19_999]).toMatchObject({ id: '19999', category: 'network', action: 'RETRY' });
  });
});
