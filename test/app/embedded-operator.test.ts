import { describe, expect, it } from 'vitest';
import { withEmbeddedOperator } from '../../src/app/embedded-operator.js';
import { parsePolicy } from '../../src/config/policy.js';

describe('withEmbeddedOperator', () => {
  it("maps the local console operator to the scenario's operator", () => {
    const policy = withEmbeddedOperator(parsePolicy(''), {
      consoleUser: 'you',
      operator: 'erin@acme.example',
    });
    expect(policy.principals.console).toEqual({ you: 'erin@acme.example' });
  });

  it('never overrides what dbxops.yaml says for that person', () => {
    const base = parsePolicy('principals:\n  console: { you: gus@acme.example }\n');
    expect(withEmbeddedOperator(base, { consoleUser: 'you', operator: 'erin@acme.example' })).toBe(base);
  });

  it('maps nobody when the console has a login or a sign-in proxy, or the scenario names no operator', () => {
    const base = parsePolicy('');
    expect(withEmbeddedOperator(base, { consoleUser: undefined, operator: 'erin@acme.example' })).toBe(base);
    expect(withEmbeddedOperator(base, { consoleUser: 'you', operator: undefined })).toBe(base);
  });
});
