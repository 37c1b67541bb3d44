import { z } from 'zod';
import { classifyError, type ErrorClassifier, reconsider, type SecondOpinion } from './classify-error.js';

/** Lines longer than this are answered with an error instead of being parsed. */
export const MAX_JSONL_LINE_CHARS = 8 * 1024 * 1024;
const MAX_ID_CHARS = 1_024;

const idSchema = z.union([z.string().max(MAX_ID_CHARS), z.number().finite()]);
const optionalCode = z.string().max(256).nullish();

const inputLineSchema = z.object({
  id: idSchema,
  message: z.string(),
  error_code: optionalCode,
  termination_code: optionalCode,
  error_class: optionalCode,
  trace: z.string().nullish(),
});

type LineId = z.infer<typeof idSchema> | null;

export interface ClassifyJsonlSummary {
  /** Non-blank lines read. */
  lines: number;
  classified: number;
  errors: number;
}

function recoverId(value: unknown): LineId {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const parsed = idSchema.safeParse((value as Record<string, unknown>).id);
  return parsed.success ? parsed.data : null;
}

// For lines that are not JSON at all: salvage a leading "id" so the caller can still match the error up.
const ID_IN_BROKEN_JSON = /"id"\s*:\s*("(?:[^"\\\n]|\\.){0,1024}"|-?\d{1,20}(?:\.\d+)?)/;
function recoverIdFromText(line: string): LineId {
  const match = ID_IN_BROKEN_JSON.exec(line.slice(0, 4_096));
  if (match?.[1] === undefined) return null;
  try {
    return recoverId({ id: JSON.parse(match[1]) });
  } catch {
    return null;
  }
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid line';
  const field = issue.path.join('.') || 'line';
  return `${field}: ${issue.message}`;
}

/**
 * The core of `dbxops classify`: reads JSONL lines `{"id","message"[,"error_code","termination_code",
 * "error_class","trace"]}` and writes one JSONL line per non-blank input line, in input order:
 * `{"id","category","transient","action","params_hint","rule","confidence"}`. A malformed line yields
 * `{"id": <id or null>, "error": "…"}` and processing continues; blank lines are skipped; duplicated
 * ids are answered once per line (the caller decides what duplicates mean). With `secondOpinion`, a
 * line the rules left `unknown` or only guessed at is reconsidered by it (`rule: "second_opinion"`);
 * a line the learned layer answered says so (`rule: "learned"` or `"learned:<pattern id>"`).
 */
export async function classifyJsonl(
  input: AsyncIterable<string>,
  write: (line: string) => void,
  options: { classifier?: ErrorClassifier; secondOpinion?: SecondOpinion } = {},
): Promise<ClassifyJsonlSummary> {
  const classify = options.classifier ?? classifyError;
  const summary: ClassifyJsonlSummary = { lines: 0, classified: 0, errors: 0 };
  const fail = (id: LineId, error: string): void => {
    summary.errors += 1;
    write(JSON.stringify({ id, error }));
  };

  for await (const rawLine of input) {
    const line = typeof rawLine === 'string' ? rawLine.replace(/^\uFEFF/, '') : '';
    if (line.trim() === '') continue;
    summary.lines += 1;

    if (line.length > MAX_JSONL_LINE_CHARS) {
      fail(
        recoverIdFromText(line),
        `line is ${line.length} characters; the limit is ${MAX_JSONL_LINE_CHARS}`,
      );
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail(recoverIdFromText(line), 'line is not valid JSON');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(null, 'line must be a JSON object with "id" and "message"');
      continue;
    }
    const parsed = inputLineSchema.safeParse(value);
    if (!parsed.success) {
      fail(recoverId(value), describeIssue(parsed.error));
      continue;
    }
    const row = parsed.data;
    const error = {
      message: row.message,
      errorCode: row.error_code ?? undefined,
      terminationCode: row.termination_code ?? undefined,
      errorClass: row.error_class ?? undefined,
      trace: row.trace ?? undefined,
    };
    const first = classify(error);
    const result =
      options.secondOpinion === undefined ? first : await reconsider(error, first, options.secondOpinion);
    summary.classified += 1;
    write(
      JSON.stringify({
        id: row.id,
        category: result.category,
        transient: result.transient,
        action: result.action,
        params_hint: result.paramsHint,
        rule: result.rule,
        confidence: result.confidence,
      }),
    );
  }
  return summary;
}
