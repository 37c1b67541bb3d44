import { Dialect, generate, parse } from '@polyglot-sql/sdk';
import { findWriteKey } from '../../databricks/sql-dialect.js';
import type { SqlParam } from '../../databricks/warehouse.js';
import { err, ok, type Result } from '../../domain/result.js';

/**
 * The gate every statement passes before it reaches a warehouse, whether a template filled it or a
 * language model wrote it. Decided on the statement parsed in the Databricks dialect — never on its
 * text — because text checks are what injections beat: `WITH x AS (…) DELETE …` starts like a read,
 * a comment hides a second statement, and `` `system`.`billing`.`usage` `` is a table to Databricks
 * but no table at all to a generic parser.
 *
 * What passes: exactly one SELECT (or WITH … SELECT, or a set operation of SELECTs); every table it
 * references fully named (`catalog.schema.table`, backtick-quoted parts resolved) inside an allowed
 * schema (`system.*` and the configured ones) or a CTE of its own; no table-valued functions, no
 * functions that reach outside the warehouse (`secret`, `http_request`, `reflect`, `ai_query`, …); no
 * positional `?` markers, and every `:name` marker bound. The statement that runs is printed from the
 * checked tree with comments dropped and a LIMIT no larger than the policy's.
 */
export interface SqlGuardPolicy {
  /** Schemas besides `system.*` that may be read, as `catalog.schema` (lower case compares). */
  readonly allowedSchemas: readonly string[];
  /** The most rows a statement may return; a larger or missing LIMIT becomes this. */
  readonly maxRows: number;
  /** How long the warehouse may run it, ms. */
  readonly timeoutMs: number;
}

export type GuardRefusal =
  | 'empty'
  | 'too_long'
  | 'syntax'
  | 'several_statements'
  | 'not_a_select'
  | 'writes'
  | 'table_not_allowed'
  | 'unqualified_table'
  | 'table_function'
  | 'function_not_allowed'
  | 'positional_parameter'
  | 'unbound_parameter';

/** A statement that passed: what to send, with what, for how long. */
export interface GuardedSql {
  /** The statement as it will run: printed from the checked tree, comments dropped, LIMIT enforced. */
  readonly sql: string;
  readonly params: Readonly<Record<string, SqlParam>>;
  /** Every table it reads, `catalog.schema.table` in lower case, sorted. */
  readonly tables: readonly string[];
  readonly rowLimit: number;
  readonly timeoutMs: number;
}

/** Longer than any statement a template or a model needs; longer text is refused unparsed. */
const MAX_SQL_CHARS = 20_000;

/**
 * Functions that read secrets, call out of the warehouse, run code or read files. Names compare in
 * lower case; `ai_` covers the whole AI function family (each call is a model request, billed).
 */
const FORBIDDEN_FUNCTIONS = new Set([
  'secret',
  'try_secret',
  'reflect',
  'try_reflect',
  'java_method',
  'http_request',
  'read_files',
  'read_kafka',
  'read_kinesis',
  'read_pubsub',
  'read_pulsar',
  'read_statestore',
  'read_state_metadata',
  'cloud_files_state',
  'vector_search',
  'remote_query',
  'identifier',
  'stream',
  'session_user',
]);
const FORBIDDEN_PREFIXES = ['ai_'];

const READ_KINDS = new Set(['select', 'union', 'intersect', 'except', 'subquery']);

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const identName = (value: unknown): string | undefined =>
  isNode(value) && typeof value.name === 'string' ? value.name : undefined;

/** Everything the walk finds, gathered in one pass over the tree. */
interface Findings {
  readonly tables: { catalog?: string; schema?: string; name: string }[];
  readonly cteNames: Set<string>;
  readonly functions: string[];
  readonly tableFunctions: string[];
  readonly namedParams: Set<string>;
  positional: boolean;
}

function walk(node: unknown, found: Findings, inFrom = false): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, found, inFrom);
    return;
  }
  if (!isNode(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'leading_comments' || key === 'trailing_comments') {
      // Dropped before printing: `-- */ DROP TABLE x` must not survive as a block comment.
      if (Array.isArray(value)) value.length = 0;
      continue;
    }
    if (key === 'table' && isNode(value) && isNode(value.name)) {
      const name = identName(value.name);
      if (name !== undefined) {
        const schema = identName(value.schema);
        const catalog = identName(value.catalog);
        found.tables.push({
          name: name.toLowerCase(),
          ...(schema === undefined ? {} : { schema: schema.toLowerCase() }),
          ...(catalog === undefined ? {} : { catalog: catalog.toLowerCase() }),
        });
      }
    }
    if (key === 'ctes' && Array.isArray(value)) {
      for (const cte of value) {
        const alias = isNode(cte) ? identName(cte.alias) : undefined;
        if (alias !== undefined) found.cteNames.add(alias.toLowerCase());
      }
    }
    if ((key === 'function' || key === 'aggregate_function') && isNode(value)) {
      const name = typeof value.name === 'string' ? value.name.toLowerCase() : '';
      found.functions.push(name);
      if (inFrom) found.tableFunctions.push(name);
    }
    if (key === 'parameter' && isNode(value)) {
      if (value.style === 'Colon' && typeof value.name === 'string') found.namedParams.add(value.name);
      else found.positional = true;
    }
    if (key === 'placeholder') found.positional = true;
    // A function directly in FROM or a JOIN is a table-valued function (`range(10)`, `read_files(…)`).
    const from = key === 'from' || key === 'joins';
    walk(value, found, from || (inFrom && (key === 'expressions' || key === 'this')));
  }
}

const fullName = (t: { catalog?: string; schema?: string; name: string }) =>
  [t.catalog, t.schema, t.name].filter((p) => p !== undefined).join('.');

/** Sets the statement's outer LIMIT to at most `maxRows`, whatever it said (none, ALL, an expression). */
function enforceLimit(statement: Node, maxRows: number): void {
  const kind = Object.keys(statement)[0] ?? '';
  const body = statement[kind];
  if (!isNode(body)) return;
  const literal = { literal: { literal_type: 'number', value: String(maxRows) } };
  const current = body.limit;
  const expression = isNode(current) && isNode(current.this) ? current.this : current;
  const value =
    isNode(expression) && isNode(expression.literal) && expression.literal.literal_type === 'number'
      ? Number(expression.literal.value)
      : Number.NaN;
  if (Number.isInteger(value) && value >= 0 && value <= maxRows) return;
  // A SELECT holds `{ this: expr }`; a set operation holds the expression itself.
  body.limit = kind === 'select' ? { this: literal } : literal;
}

const refuse = (reason: GuardRefusal, message: string, details?: Record<string, unknown>) =>
  err(reason, message, details);

/**
 * Checks one statement and returns what may run, or a refusal whose message says why in words a
 * person (or a model retrying) can act on. Never throws on any input.
 */
export function guardSql(
  sql: string,
  params: Readonly<Record<string, SqlParam>>,
  policy: SqlGuardPolicy,
): Result<GuardedSql, GuardRefusal> {
  if (typeof sql !== 'string' || sql.trim() === '') return refuse('empty', 'There is no SQL statement.');
  if (sql.length > MAX_SQL_CHARS) {
    return refuse(
      'too_long',
      `The statement is longer than ${MAX_SQL_CHARS.toLocaleString('en-US')} characters.`,
    );
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(sql, Dialect.Databricks);
  } catch (error) {
    return refuse('syntax', `The statement could not be parsed: ${(error as Error).message}`);
  }
  if (!parsed.success) {
    const where =
      typeof parsed.errorLine === 'number' ? ` (line ${parsed.errorLine}, column ${parsed.errorColumn})` : '';
    return refuse(
      'syntax',
      `The statement is not valid Databricks SQL${where}: ${parsed.error ?? 'parse error'}.`,
    );
  }
  const statements = (Array.isArray(parsed.ast) ? parsed.ast : []).filter(isNode);
  if (statements.length === 0) return refuse('empty', 'There is no SQL statement.');
  if (statements.length > 1) {
    return refuse('several_statements', `Only one statement may run; this text holds ${statements.length}.`);
  }
  const statement = statements[0]!;
  const kind = Object.keys(statement)[0] ?? 'unknown';
  if (!READ_KINDS.has(kind)) {
    return refuse(
      'not_a_select',
      `Only SELECT (or WITH … SELECT) may run; this is ${kind.toUpperCase().replaceAll('_', ' ')}.`,
    );
  }
  const write = findWriteKey(statement);
  if (write !== undefined) {
    return refuse(
      'writes',
      `Only reads may run; this statement contains ${write.toUpperCase().replaceAll('_', ' ')}.`,
    );
  }
  const found: Findings = {
    tables: [],
    cteNames: new Set(),
    functions: [],
    tableFunctions: [],
    namedParams: new Set(),
    positional: false,
  };
  walk(statement, found);

  if (found.tableFunctions.length > 0) {
    return refuse(
      'table_function',
      `Table-valued functions (${found.tableFunctions[0]?.toUpperCase()}) may not run; read a system table by its full name.`,
    );
  }
  const forbidden = found.functions.find(
    (f) => FORBIDDEN_FUNCTIONS.has(f) || FORBIDDEN_PREFIXES.some((p) => f.startsWith(p)),
  );
  if (forbidden !== undefined) {
    return refuse(
      'function_not_allowed',
      `The function ${forbidden}() may not run: it reaches outside the system tables.`,
    );
  }
  const allowed = new Set(policy.allowedSchemas.map((s) => s.toLowerCase()));
  const tables = new Set<string>();
  for (const table of found.tables) {
    if (table.catalog === undefined && table.schema === undefined && found.cteNames.has(table.name)) continue;
    if (table.catalog === undefined) {
      const hint = table.name.includes('.')
        ? ' A backtick-quoted name with dots is one identifier: quote each part (`system`.`billing`.`usage`).'
        : '';
      return refuse(
        'unqualified_table',
        `The table ${fullName(table)} must be named in full, as catalog.schema.table (for example system.billing.usage).${hint}`,
        { table: fullName(table) },
      );
    }
    const name = fullName(table);
    if (table.catalog !== 'system' && !allowed.has(`${table.catalog}.${table.schema}`)) {
      const also = policy.allowedSchemas.length === 0 ? '' : `, ${policy.allowedSchemas.join(', ')}`;
      return refuse('table_not_allowed', `The table ${name} is outside what I may read: system.*${also}.`, {
        table: name,
      });
    }
    tables.add(name);
  }
  if (found.positional) {
    return refuse('positional_parameter', 'Values must be bound as named parameters (:name), not ? or $1.');
  }
  const unbound = [...found.namedParams].filter((p) => !Object.hasOwn(params, p));
  if (unbound.length > 0) {
    return refuse('unbound_parameter', `The parameter :${unbound[0]} has no value.`, { unbound });
  }

  enforceLimit(statement, policy.maxRows);
  const printed = generate([statement], Dialect.Databricks);
  const text = printed.success ? printed.sql?.[0] : undefined;
  // The printed text is what runs: it must read back as the one statement that was checked.
  const reread = text === undefined ? undefined : parse(text, Dialect.Databricks);
  if (text === undefined || reread?.success !== true || (reread.ast as unknown[]).length !== 1) {
    return refuse('syntax', `The statement could not be printed back: ${printed.error ?? 'no output'}.`);
  }
  const bound = Object.fromEntries([...found.namedParams].map((p) => [p, params[p] ?? null]));
  return ok({
    sql: text,
    params: bound,
    tables: [...tables].sort(),
    rowLimit: policy.maxRows,
    timeoutMs: policy.timeoutMs,
  });
}
