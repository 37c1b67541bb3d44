import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';
import { policySchema } from '../../src/config/policy.js';

/**
 * Every environment variable and every `dbxops.yaml` key is read from the schemas themselves, so a new
 * one cannot be added without docs/configuration.md saying what it does and naming a test that shows
 * its effect (a test file that names the setting).
 */

const root = join(import.meta.dirname, '../..');
const LEVELS = ['P1', 'P2', 'P3', 'P4'];

/** The keys a schema accepts, as dotted paths: `[]` for list items, `<level>` for the four triage levels. */
function keysOf(schema: z.ZodType, prefix = ''): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return keysOf((def as unknown as { innerType: z.ZodType }).innerType, prefix);
    case 'pipe':
      return keysOf((def as unknown as { in: z.ZodType }).in, prefix);
    case 'array':
      return keysOf((def as unknown as { element: z.ZodType }).element, `${prefix}[]`);
    case 'object': {
      const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
      const names = Object.keys(shape);
      if (names.length === LEVELS.length && names.every((n) => LEVELS.includes(n))) {
        return keysOf(shape.P1 as z.ZodType, `${prefix}.<level>`);
      }
      return names.flatMap((name) => {
        const path = prefix === '' ? name : `${prefix}.${name}`;
        const inner = keysOf(shape[name] as z.ZodType, path);
        return inner.length === 0 ? [path] : inner;
      });
    }
    default:
      return [];
  }
}

const docs = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

/** The docs' row for a setting: its first cell is the name in backticks. */
function rowOf(name: string): string | undefined {
  return docs.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
}

/** Grouping names a test need not repeat: `thresholds.duration_spike` is shown by naming `duration_spike`. */
const SECTIONS = new Set(['thresholds', 'triage', 'routing', 'access', 'ask', '<level>']);

/**
 * Settings read by work in progress on other issues, which brings their tests: the language model and
 * questions (issue 14) and the digest (issue 15). The list only shrinks: a setting
 * in it that gets a test fails the check below until it is taken out.
 */
const NOT_YET_SHOWN = new Set([
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'DBXOPS_LLM_MODEL',
  'timezone',
  'ask.schemas',
  'ask.max_rows',
  'ask.timeout_seconds',
  'ask.max_period_days',
  'ask.daily_token_budget',
  'ask.llm_timeout_seconds',
  'routing.digest_channel',
]);

function check(name: string): string[] {
  const row = rowOf(name);
  if (row === undefined) return [`${name}: no row in docs/configuration.md`];
  const tests = [...row.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1] ?? '');
  if (NOT_YET_SHOWN.has(name))
    return tests.length === 0 ? [] : [`${name}: shown now, take it off NOT_YET_SHOWN`];
  if (tests.length === 0) return [`${name}: its row names no test`];
  const words = name
    .split('.')
    .map((part) => part.replace('[]', ''))
    .filter((part) => !SECTIONS.has(part));
  const missing = tests.flatMap((file) => {
    if (!existsSync(join(root, file))) return [`${name}: ${file} does not exist`];
    const source = readFileSync(join(root, file), 'utf8');
    const unnamed = words.filter((word) => !source.includes(word));
    return unnamed.length === 0 ? [] : [`${name}: ${file} never names ${unnamed.join(', ')}`];
  });
  // One named test that shows it is enough; every one listed must exist.
  return missing.length < tests.length ? missing.filter((m) => m.endsWith('does not exist')) : missing;
}

describe('docs/configuration.md', () => {
  const env = keysOf(envSchema);
  const policy = keysOf(policySchema);

  it('finds the settings in the schemas', () => {
    expect(env).toContain('DATABASE_URL');
    expect(policy).toContain('triage.<level>.escalation_minutes');
    expect(policy).toContain('routing.rules[].match.team');
  });

  it('documents every environment variable with a test that shows its effect', () => {
    expect(env.flatMap(check)).toEqual([]);
  });

  it('documents every dbxops.yaml key with a test that shows its effect', () => {
    expect(policy.flatMap(check)).toEqual([]);
  });

  it('documents nothing that is no longer a setting', () => {
    const known = new Set([...env, ...policy]);
    const rows = [...docs.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '');
    expect(rows.filter((name) => !known.has(name))).toEqual([]);
  });
});
