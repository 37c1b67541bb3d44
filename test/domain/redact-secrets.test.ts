import { describe, expect, it } from 'vitest';
import { redactSecrets, redactSecretText } from '../../src/domain/redact-secrets.js';

describe('redactSecretText', () => {
  it.each([
    ['a Databricks token', 'token dapi0123456789abcdef0123456789abcdef-2 was refused'],
    ['an OAuth secret', 'secret dose0123456789abcdef0123 leaked'],
    ['a bearer header', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9'],
    ['a JWT', 'jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl'],
    ['a Slack bot token', 'xoxb-1234567890-0987654321-abcdefghijkl'],
    ['a Slack app token', 'xapp-1-A0123-456-abcdef'],
    ['an OpenAI key', 'sk-proj-abcdefghijklmnopqrstuvwx'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('masks %s', (_what, text) => {
    const masked = redactSecretText(text);
    expect(masked).toContain('[redacted]');
    expect(masked).not.toMatch(/dapi0|dose0|eyJ|xox|xapp|sk-proj|ghp_/);
  });

  it("masks a URL's password and keeps the rest of the URL", () => {
    expect(redactSecretText('connect postgres://dbxops:hunter2@db.internal:5432/ops failed')).toBe(
      'connect postgres://dbxops:[redacted]@db.internal:5432/ops failed',
    );
  });

  it('masks credentials in query strings and keeps the other parameters', () => {
    expect(redactSecretText('GET /oauth?client_id=abc&client_secret=s3cr3t&access_token=t0k&page=2')).toBe(
      'GET /oauth?client_id=abc&client_secret=[redacted]&access_token=[redacted]&page=2',
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'Run 7 of job 42 failed: OutOfMemoryError on Standard_DS3_v2 (cluster 0923-164208-meows279)';
    expect(redactSecretText(text)).toBe(text);
  });
});

describe('redactSecrets', () => {
  it('masks members named like secrets whatever their value, and keeps idempotency tokens', () => {
    expect(
      redactSecrets({
        headers: { Authorization: 'whatever', 'x-api-key': 'k', 'X-Request-Id': 'r-1' },
        client_secret: 's',
        refresh_token: 't',
        appPassword: 'p',
        idempotency_token: 'inc-1:repair:1',
        nested: [{ password: 'p', note: 'Bearer abcdefghijkl' }],
        missing: { token: null },
      }),
    ).toEqual({
      headers: { Authorization: '[redacted]', 'x-api-key': '[redacted]', 'X-Request-Id': 'r-1' },
      client_secret: '[redacted]',
      refresh_token: '[redacted]',
      appPassword: '[redacted]',
      idempotency_token: 'inc-1:repair:1',
      nested: [{ password: '[redacted]', note: '[redacted]' }],
      missing: { token: null },
    });
  });

  it('cuts cycles instead of recursing for ever', () => {
    const loop: Record<string, unknown> = { name: 'a' };
    loop.self = loop;
    expect(redactSecrets(loop)).toEqual({ name: 'a', self: '[cycle]' });
  });
});
