import { describe, expect, it } from 'vitest';
import { consoleActor } from '../../../src/bot/console/translate.js';

describe('consoleActor', () => {
  it('vouches for the e-mail the sign-in proxy named: the proxy authenticated the person', () => {
    expect(consoleActor({ user: 'alice@acme.example', email: 'alice@acme.example' })).toEqual({
      surface: 'console',
      userId: 'alice@acme.example',
      displayName: 'alice@acme.example',
      email: 'alice@acme.example',
      emailVerified: true,
    });
  });

  it('claims no e-mail for a users-file or local sign-in, which principals.console maps instead', () => {
    expect(consoleActor({ user: 'alice', email: undefined })).toEqual({
      surface: 'console',
      userId: 'alice',
      displayName: 'alice',
    });
  });
});
