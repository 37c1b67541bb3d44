import { describe, expect, it } from 'vitest';
import { consoleExposure, isLoopbackAddress } from '../../src/config/console-exposure.js';
import { loadEnv } from '../../src/config/env.js';

const exposure = (vars: Record<string, string>) => consoleExposure(loadEnv(vars));

describe('consoleExposure', () => {
  it('acts as the local operator on loopback when nothing is configured', () => {
    const out = exposure({});
    expect(out).toMatchObject({ ok: true, value: { auth: { kind: 'local' }, publicBind: false } });
    if (out.ok) expect(out.value.allowedHosts).toEqual(['localhost', '127.0.0.1', '::1']);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(host), host).toBe(true);
    }
  });

  it('refuses a public bind without authentication, naming what to set', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'ops.internal']) {
      const out = exposure({ HOST: host });
      expect(out.ok, host).toBe(false);
      if (out.ok) continue;
      expect(out.reason).toBe('unauthenticated_public_bind');
      expect(out.message).toContain('DBXOPS_CONSOLE_USERS_FILE');
      expect(out.message).toContain('DBXOPS_CONSOLE_TRUSTED_HEADER');
      expect(out.message).toContain('DBXOPS_CONSOLE_TRUSTED_PROXIES');
      expect(out.message).toContain('HOST=127.0.0.1');
    }
  });

  it('takes a login, with Secure cookies and the allowed host from an https public URL', () => {
    const out = exposure({
      HOST: '0.0.0.0',
      DBXOPS_CONSOLE_USERS_FILE: '/etc/dbxops/users',
      DBXOPS_PUBLIC_URL: 'https://ops.example.com/',
      DBXOPS_CONSOLE_SESSION_HOURS: '8',
    });
    expect(out).toMatchObject({
      ok: true,
      value: {
        publicBind: true,
        hostsUnconfigured: false,
        auth: {
          kind: 'login',
          usersFile: '/etc/dbxops/users',
          secureCookies: true,
          sessionTtlMs: 8 * 3_600_000,
        },
      },
    });
    if (out.ok) expect(out.value.allowedHosts).toContain('ops.example.com');
  });

  it('takes a trusted proxy header, believed from loopback unless told otherwise', () => {
    expect(exposure({ HOST: '::', DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-Email' })).toMatchObject({
      ok: true,
      value: { auth: { kind: 'header', header: 'x-forwarded-email', trustedProxies: ['127.0.0.1', '::1'] } },
    });
    expect(
      exposure({
        HOST: '10.1.2.3',
        DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-User',
        DBXOPS_CONSOLE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8',
        DBXOPS_CONSOLE_HOSTS: 'Ops.Example.com',
      }),
    ).toMatchObject({
      ok: true,
      value: {
        auth: { trustedProxies: ['10.0.0.0/8', 'fd00::/8'] },
        allowedHosts: ['ops.example.com'],
        hostsUnconfigured: false,
      },
    });
  });

  it('answers to a specific bound address, and flags a wildcard bind with no host names', () => {
    const lan = exposure({ HOST: '192.168.1.20', DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-Email' });
    if (lan.ok) expect(lan.value.allowedHosts).toContain('192.168.1.20');
    const wild = exposure({ HOST: '0.0.0.0', DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-Email' });
    expect(wild).toMatchObject({ ok: true, value: { hostsUnconfigured: true } });
  });

  it('refuses two authentications at once and proxies that are not addresses', () => {
    expect(
      exposure({ DBXOPS_CONSOLE_USERS_FILE: 'users', DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-Email' }),
    ).toMatchObject({ ok: false, reason: 'conflicting_console_authentication' });
    for (const proxies of ['proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129']) {
      expect(
        exposure({
          DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Forwarded-Email',
          DBXOPS_CONSOLE_TRUSTED_PROXIES: proxies,
        }),
        proxies,
      ).toMatchObject({ ok: false, reason: 'invalid_trusted_proxy' });
    }
  });

  it('refuses malformed console settings by name', () => {
    expect(() => loadEnv({ DBXOPS_CONSOLE_SESSION_SECRET: 'short' })).toThrowError(
      /DBXOPS_CONSOLE_SESSION_SECRET/,
    );
    expect(() => loadEnv({ DBXOPS_CONSOLE_TRUSTED_HEADER: 'X-Email: evil' })).toThrowError(
      /DBXOPS_CONSOLE_TRUSTED_HEADER/,
    );
    expect(() => loadEnv({ DBXOPS_PUBLIC_URL: 'ftp://x' })).toThrowError(/DBXOPS_PUBLIC_URL/);
  });
});
