import type { Policy } from '../config/policy.js';

/**
 * The policy with the local console operator mapped to the embedded scenario's `operator`, so a press in
 * the demo console acts as a workspace user (docs/remediation-rights.md). Only for the local console
 * (no login, no sign-in proxy), and never over an entry dbxops.yaml already has for that person.
 */
export function withEmbeddedOperator(
  policy: Policy,
  options: { readonly consoleUser: string | undefined; readonly operator: string | undefined },
): Policy {
  const { consoleUser, operator } = options;
  if (consoleUser === undefined || operator === undefined) return policy;
  if (policy.principals.console[consoleUser] !== undefined) return policy;
  return {
    ...policy,
    principals: {
      ...policy.principals,
      console: { ...policy.principals.console, [consoleUser]: operator },
    },
  };
}
