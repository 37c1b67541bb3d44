import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTlsServer, ensureLocalTls } from '../../../src/sim/wire/tls.js';

const fetchText = (port: number, host: string, ca: string) =>
  new Promise<string>((resolve, reject) => {
    get({ host, port, path: '/', ca }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });

describe('the simulator local TLS', () => {
  it('serves HTTPS that clients trusting only the generated CA accept for localhost and 127.0.0.1', async () => {
    const tls = await ensureLocalTls({ dir: mkdtempSync(join(tmpdir(), 'dbxops-tls-')) });
    const server = createTlsServer(tls, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await fetchText(port, 'localhost', tls.caCert)).toBe('ok');
      expect(await fetchText(port, '127.0.0.1', tls.caCert)).toBe('ok');
    } finally {
      server.close();
    }
  });

  it('reuses valid certificates and replaces corrupt ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-tls-'));
    const first = await ensureLocalTls({ dir });
    expect((await ensureLocalTls({ dir })).cert).toBe(first.cert);
    writeFileSync(first.certPath, 'not a certificate');
    const again = await ensureLocalTls({ dir });
    expect(again.cert).not.toBe(first.cert);
    expect(again.cert).toContain('BEGIN CERTIFICATE');
  });

  it('regenerates when asked for a host the certificate does not cover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-tls-'));
    const first = await ensureLocalTls({ dir });
    const wider = await ensureLocalTls({ dir, hosts: ['localhost', '127.0.0.1', 'sim.internal'] });
    expect(wider.cert).not.toBe(first.cert);
  });
});
