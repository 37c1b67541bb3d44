import { describe, expect, it } from 'vitest';
import {
  loadDefaultErrorPatterns,
  NEVER_RETRY_CATEGORIES,
  parseErrorPatterns,
} from '../../../src/agents/classifier/error-patterns.js';
import { errorCategorySchema } from '../../../src/domain/error-label.js';
import { ConfigError } from '../../../src/domain/errors.js';

const minimal = (overrides: string): string => `
- id: test.example
  priority: 50
  match:
    regex: ['boom']
  category: syntax
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: Fix the code that goes boom.
${overrides}`;

describe('the shipped error-pattern matrix', () => {
  const patterns = loadDefaultErrorPatterns();

  it('loads and validates at least 120 patterns with unique ids', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(120);
    expect(new Set(patterns.map((p) => p.id)).size).toBe(patterns.length);
  });

  it('never proposes a plain RETRY for code, grant, data or config problems', () => {
    for (const p of patterns) {
      if (NEVER_RETRY_CATEGORIES.has(p.category)) expect(p.action, p.id).not.toBe('RETRY');
      if (p.action === 'RETRY') expect(p.transient, p.id).toBe(true);
    }
  });

  it('covers every category except unknown with at least one pattern', () => {
    const categories = new Set(patterns.map((p) => p.category));
    for (const c of errorCategorySchema.options.filter((c) => c !== 'unknown')) {
      expect(categories.has(c), c).toBe(true);
    }
  });
});

describe('parseErrorPatterns', () => {
  it('accepts a minimal valid pattern', () => {
    expect(parseErrorPatterns(minimal(''))).toHaveLength(1);
  });

  it('refuses a plain RETRY on a syntax error with a ConfigError naming the pattern', () => {
    const text = minimal('')
      .replace('action: NOTIFY_OWNER', 'action: RETRY')
      .replace('transient: false', 'transient: true');
    expect(() => parseErrorPatterns(text)).toThrow(ConfigError);
    expect(() => parseErrorPatterns(text)).toThrow(/test\.example: a plain RETRY cannot fix a syntax error/);
  });

  it('refuses an invalid regular expression', () => {
    expect(() => parseErrorPatterns(minimal('').replace("['boom']", "['(unclosed']"))).toThrow(
      /invalid regex/,
    );
  });

  it('refuses a regex that opens with a repeated class, which a long run of that class makes slow, and names the fix', () => {
    for (const opening of [
      "'?\\\\w+'? permissions? required",
      '\\\\d+/\\\\d+ nodes',
      '[a-z]+Exception',
      '.*boom',
    ]) {
      expect(() => parseErrorPatterns(minimal('').replace("['boom']", `["${opening}"]`)), opening).toThrow(
        /opens with a repeated class: start it at a boundary/,
      );
    }
    expect(
      parseErrorPatterns(minimal('').replace("['boom']", '["(?<!\\\\w)\\\\w+ permissions? required"]')),
    ).toHaveLength(1);
  });

  it('refuses duplicated ids', () => {
    const one = minimal('');
    expect(() => parseErrorPatterns(one + one)).toThrow(/duplicate pattern id test\.example/);
  });

  it('refuses a pattern with no matcher, an unknown category, or unknown keys', () => {
    expect(() => parseErrorPatterns(minimal('').replace("    regex: ['boom']\n", '    regex: []\n'))).toThrow(
      ConfigError,
    );
    expect(() =>
      parseErrorPatterns(minimal('').replace('category: syntax', 'category: cosmic_rays')),
    ).toThrow(ConfigError);
    expect(() => parseErrorPatterns(minimal('  colour: red'))).toThrow(ConfigError);
  });

  it('answers YAML that does not parse, or is not a list, with a ConfigError', () => {
    expect(() => parseErrorPatterns('- id: [unclosed')).toThrow(ConfigError);
    expect(() => parseErrorPatterns('just: a map')).toThrow(ConfigError);
    expect(() => parseErrorPatterns('')).toThrow(ConfigError);
  });
});
