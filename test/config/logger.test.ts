import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';

describe('createLogger', () => {
  it('never writes a token or secret to the log', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ destination });
    log.info(
      {
        token: 'dapi-secret-1',
        headers: { authorization: 'Bearer dapi-secret-2' },
        auth: { password: 'p4ss' },
      },
      'calling',
    );
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(out).toContain('calling');
    expect(out).not.toContain('dapi-secret-1');
    expect(out).not.toContain('dapi-secret-2');
    expect(out).not.toContain('p4ss');
  });
});
