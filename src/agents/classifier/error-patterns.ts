import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../domain/errors.js';
import { type ErrorCategory, errorCategorySchema, failureActionSchema } from '../../domain/error-label.js';

/** Categories whose cause a plain retry cannot remove: a person must change code, grants, data or config. */
export const NEVER_RETRY_CATEGORIES: ReadonlySet<ErrorCategory> = new Set([
  'syntax',
  'missing_object',
  'permission',
  'config',
  'data_quality',
]);

const code = z.string().regex(/^_?[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*$/, 'must be an UPPER_SNAKE code');

/**
 * A regex that opens with a repeated character class (`\w+`, `'?\d+`, `\S*`) is tried from every
 * position of a run of that class, so a long run — a base64 blob or a column of digits in a run's
 * output — costs time in the square of its length: 64 KB of one word took seconds. Such a regex must
 * start at a boundary (`\b`, or a lookbehind like `(?<!\w)`), which the run has only at its ends.
 */
const OPENS_WITH_REPEATED_CLASS = /^(?:'\?|"\?)?(?:\\[wWdDsS]|\[[^\]]*\]|\.)[+*]/;

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'i');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regex: ${(error as Error).message}` });
    return;
  }
  if (OPENS_WITH_REPEATED_CLASS.test(source))
    ctx.addIssue({
      code: 'custom',
      message: `regex ${JSON.stringify(source.slice(0, 60))} opens with a repeated class: start it at a boundary (\\b or a lookbehind such as (?<!\\w)) so a long run of that class stays cheap`,
    });
});

const matchSchema = z
  .object({
    error_class: z.array(code).optional(),
    error_code: z.array(code).optional(),
    termination_code: z.array(code).optional(),
    sqlstate: z.array(z.string().regex(/^[0-9A-Z]{5}$/)).optional(),
    exception: z.array(z.string().regex(/^[A-Za-z_$][\w$.]*$/)).optional(),
    regex: z.array(regexSource).optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((list) => list !== undefined && list.length > 0), {
    message: 'a pattern needs at least one matcher',
  });

const paramsHintSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable();

const errorPatternSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$/, 'ids look like family.name'),
    priority: z.number().int().min(0).max(100),
    match: matchSchema,
    category: errorCategorySchema,
    transient: z.boolean(),
    action: failureActionSchema,
    params_hint: paramsHintSchema,
    fix_hint: z.string().min(10).max(300),
    /**
     * The pattern names an envelope ("cluster could not start: …", "task failed with message: …",
     * "Error: cannot create X: …") rather than a cause. A wrapper decides only when no specific cause
     * matched: whatever it wraps is the root cause a person acts on.
     */
    wrapper: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.action === 'RETRY' && NEVER_RETRY_CATEGORIES.has(p.category)) {
      ctx.addIssue({ code: 'custom', message: `${p.id}: a plain RETRY cannot fix a ${p.category} error` });
    }
    if (p.action === 'RETRY' && !p.transient) {
      ctx.addIssue({ code: 'custom', message: `${p.id}: RETRY implies transient: true` });
    }
  });
export type ErrorPattern = z.output<typeof errorPatternSchema>;

const errorPatternsSchema = z
  .array(errorPatternSchema)
  .min(1)
  .superRefine((patterns, ctx) => {
    const seen = new Set<string>();
    for (const p of patterns) {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', message: `duplicate pattern id ${p.id}` });
      seen.add(p.id);
    }
  });

/**
 * Parses and validates an error-pattern matrix written as YAML.
 * @throws ConfigError naming the first invalid entries when the text is not a valid matrix.
 */
export function parseErrorPatterns(yamlText: string, source = 'error-patterns.yaml'): ErrorPattern[] {
  let raw: unknown;
  try {
    raw = parse(yamlText);
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${(error as Error).message}`, { source });
  }
  const result = errorPatternsSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`${source} has invalid patterns: ${issues.join('; ')}`, { source, issues });
  }
  return result.data;
}

const DEFAULT_PATTERNS_URL = new URL('./error-patterns.yaml', import.meta.url);

/** Loads the error-pattern matrix shipped next to this module. */
export function loadDefaultErrorPatterns(): ErrorPattern[] {
  return parseErrorPatterns(readFileSync(DEFAULT_PATTERNS_URL, 'utf8'), DEFAULT_PATTERNS_URL.pathname);
}
