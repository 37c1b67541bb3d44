/**
 * Databricks SQL → DuckDB SQL, for running the bot's system-table queries on the embedded workspace.
 *
 * Choice of parser (measured 2026-11 on this machine, Node 24, both packages installed):
 * - `@polyglot-sql/sdk` 0.12.1 (Rust/WASM, a sqlglot port): parses Databricks SQL to a JSON AST,
 *   generates any dialect, and has a Databricks→DuckDB transpile. Out of the box it translated 20 of the
 *   ~27 constructs the brief lists (backticks, `INTERVAL 30 DAYS`, `timestampdiff(SECOND…)`,
 *   `date_sub/date_add/dateadd/datediff`, `percentile_approx`, `nvl`, `size`, `to_date`, `explode`
 *   incl. `LATERAL VIEW`, `named_struct`, `QUALIFY`, `GROUP BY ALL`, `count_if`, `max_by`, `ILIKE`,
 *   map/struct access) and left the rest for us: `system.` names, `:param` markers, the clock
 *   functions, `get_json_object`; it gets `unix_timestamp(ts)` wrong (STRPTIME on a timestamp) and
 *   maps exact `percentile` to DuckDB's discrete `quantile`. ~3 ms per statement. Syntax errors
 *   come with line and column. Statements are classified (`select`, `insert`, `drop_table`, …).
 * - `@guanmingchiu/sqlparser-ts` 0.62 (sqlparser-rs/WASM): a good Databricks parser and printer, but
 *   no dialect translation — every function mapping above would be hand-written on its AST.
 * ⇒ polyglot. We parse Databricks, rewrite the AST for what is specific to our storage (table names,
 *   parameters, the simulated clock, a few semantic fixes), print it back as Databricks SQL and let
 *   polyglot transpile that to DuckDB. The few functions DuckDB lacks become macros (`DUCKDB_SHIM_MACROS`).
 */
import { Dialect, generate, parse, transpile } from '@polyglot-sql/sdk';
import { type WarehouseError, warehouseError } from './warehouse.js';

/** DuckDB parameter holding the injected clock's now (TIMESTAMP, UTC) wherever the SQL asks for it. */
export const NOW_PARAM = '__dbxops_now';
/** DuckDB parameter holding the injected clock's date (DATE, UTC). */
export const TODAY_PARAM = '__dbxops_today';

/**
 * Where Databricks' `information_schema` tables are stored: DuckDB has its own `information_schema`.
 * Must equal `src/sim/tables/system-table-ddl.ts` (a test checks; this layer cannot import `sim`).
 */
export const UC_INFORMATION_SCHEMA = 'uc_information_schema';

/** The `system` schemas the embedded workspace stores, each as a DuckDB schema of the same name. */
export const SYSTEM_SCHEMAS: readonly string[] = [
  'billing',
  'lakeflow',
  'compute',
  'query',
  'access',
  'information_schema',
];

/** Unity Catalog catalogs whose customer tables (`main.ops.etl_audit`) are stored as `schema.table`. */
export const WORKSPACE_CATALOGS: readonly string[] = ['main'];

/** Schemas SQL must never reach: the simulation's ground truth lives there. */
const HIDDEN_SCHEMAS = new Set(['meta', UC_INFORMATION_SCHEMA]);

/**
 * Functions DuckDB lacks or spells differently, as temporary macros to create on every connection that
 * runs translated SQL. Names starting `dbx_` are targets of our own AST rewrites.
 */
export const DUCKDB_SHIM_MACROS: readonly string[] = [
  'CREATE OR REPLACE TEMP MACRO get_json_object(j, p) AS json_extract_string(j, p)',
  'CREATE OR REPLACE TEMP MACRO timestamp_millis(ms) AS epoch_ms(CAST(ms AS BIGINT))',
  'CREATE OR REPLACE TEMP MACRO timestamp_seconds(s) AS make_timestamp(CAST(s * 1000000 AS BIGINT))',
  'CREATE OR REPLACE TEMP MACRO dbx_unix_timestamp(x) AS CAST(epoch(CAST(x AS TIMESTAMP)) AS BIGINT)',
  'CREATE OR REPLACE TEMP MACRO dbx_date_add(d, n) AS CAST(CAST(d AS DATE) + CAST(n AS INTEGER) AS DATE)',
  'CREATE OR REPLACE TEMP MACRO dbx_date_sub(d, n) AS CAST(CAST(d AS DATE) - CAST(n AS INTEGER) AS DATE)',
  "CREATE OR REPLACE TEMP MACRO dbx_from_unixtime(s) AS strftime(make_timestamp(CAST(s AS BIGINT) * 1000000), '%Y-%m-%d %H:%M:%S')",
];

export interface TranslatedStatement {
  /** The statement in DuckDB SQL, with `$name` markers. */
  readonly sql: string;
  /** Names of the caller's `:name` parameters the statement uses, in first-use order. */
  readonly params: readonly string[];
  /** Clock parameters (`NOW_PARAM`, `TODAY_PARAM`) the statement uses; bind them from the clock. */
  readonly clockParams: readonly string[];
  /**
   * The tables it reads, by their lower-case catalog-qualified names (`system.query.history`); undefined
   * when it may read others too (a table named without its catalog, the grants, `SHOW TABLES`).
   */
  readonly tables: readonly string[] | undefined;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Statement kinds the analyst path may run. */
const READ_STATEMENTS = new Set([
  'select',
  'union',
  'intersect',
  'except',
  'subquery',
  'values',
  'describe',
  'show',
]);

/** AST keys that only occur inside statements that write or change state. */
const WRITE_KEYS = new Set([
  'insert',
  'update',
  'delete',
  'merge',
  'copy',
  'attach',
  'detach',
  'grant',
  'revoke',
  'pragma',
  'set_statement',
  'command',
  'use',
  'truncate',
  'truncate_table',
  'refresh',
  'cache',
  'uncache',
  'analyze',
  'vacuum',
  'load',
  'install',
  'call',
  'export',
  'import',
]);
const WRITE_KEY_PREFIXES = ['create_', 'drop_', 'alter_'];

const isWriteKey = (key: string): boolean =>
  WRITE_KEYS.has(key) || WRITE_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));

const NOW_FUNCTIONS = new Set(['current_timestamp', 'now', 'getdate', 'localtimestamp']);
const TODAY_FUNCTIONS = new Set(['current_date', 'curdate']);

function parseDatabricks(sql: string): Node[] {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw warehouseError('SYNTAX', 'The SQL statement is empty.');
  }
  const parsed = parse(sql, Dialect.Databricks);
  if (!parsed.success) {
    const details: Record<string, unknown> = { statement: sql };
    if (typeof parsed.errorLine === 'number') details.line = parsed.errorLine;
    if (typeof parsed.errorColumn === 'number') details.column = parsed.errorColumn;
    throw warehouseError(
      'SYNTAX',
      `[PARSE_SYNTAX_ERROR] ${parsed.error ?? 'The statement could not be parsed.'}`,
      details,
    );
  }
  const statements = (Array.isArray(parsed.ast) ? parsed.ast : []).filter(isNode);
  if (statements.length === 0)
    throw warehouseError('SYNTAX', 'The SQL statement is empty.', { statement: sql });
  return statements;
}

/** The first AST key that only a writing statement holds (`delete`, `insert`, `create_table`, `into` …), if any. */
export function findWriteKey(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findWriteKey(item);
      if (found) return found;
    }
    return undefined;
  }
  if (!isNode(node)) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (isWriteKey(key) && value !== null && typeof value === 'object') return key;
    if (key === 'into' && value !== null) return 'select_into';
    const found = findWriteKey(value);
    if (found) return found;
  }
  return undefined;
}

function checkReadOnly(sql: string, statements: readonly Node[]): Node {
  if (statements.length > 1) {
    throw warehouseError(
      'READ_ONLY',
      'Only one statement per query is allowed; remove the `;`-separated extras.',
      {
        statement: sql,
        statementCount: statements.length,
      },
    );
  }
  const statement = statements[0]!;
  const kind = Object.keys(statement)[0] ?? 'unknown';
  const write = READ_STATEMENTS.has(kind) ? findWriteKey(statement) : kind;
  if (write !== undefined) {
    throw warehouseError(
      'READ_ONLY',
      `Only read statements (SELECT, WITH, DESCRIBE, SHOW) may run on system tables; this statement contains ${write.toUpperCase()}.`,
      { statement: sql, kind: write },
    );
  }
  return statement;
}

/**
 * Throws `WarehouseError` (reason READ_ONLY, or SYNTAX when it does not parse) unless `sql` is exactly
 * one read statement: SELECT / WITH … SELECT / set operations / VALUES / DESCRIBE / SHOW. Decided on
 * the parsed statement, so comments and string literals cannot hide a write.
 */
export function assertReadOnly(sql: string): void {
  checkReadOnly(sql, parseDatabricks(sql));
}

const identName = (value: unknown): string | undefined =>
  isNode(value) && typeof value.name === 'string' ? value.name : undefined;

const ident = (name: string): Node => ({ name, quoted: false, trailing_comments: [] });

const parameterNode = (name: string): Node => ({
  parameter: { name, index: null, style: 'Dollar', quoted: false, string_quoted: false, expression: null },
});

interface RewriteState {
  readonly sql: string;
  readonly params: string[];
  readonly clockParams: string[];
  /** Catalog-qualified tables read; undefined once one is named otherwise. */
  tables: string[] | undefined;
}

const note = (list: string[], name: string): void => {
  if (!list.includes(name)) list.push(name);
};

/** Rewrites a `{table: …}` node's catalog/schema to where the simulator stores it. */
function rewriteTable(table: Node, state: RewriteState): void {
  const name = identName(table.name);
  const schema = identName(table.schema)?.toLowerCase();
  if (name === undefined || schema === undefined) return;
  const catalog = identName(table.catalog)?.toLowerCase();
  const fullName = [catalog, schema, name].filter(Boolean).join('.');
  const notFound = (): WarehouseError =>
    warehouseError(
      'NOT_FOUND',
      `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${fullName} cannot be found in this workspace.`,
      { statement: state.sql, table: fullName },
    );
  if (HIDDEN_SCHEMAS.has(schema)) throw notFound();
  if (catalog === 'system' && !SYSTEM_SCHEMAS.includes(schema)) throw notFound();
  const grants = schema === 'information_schema';
  // Other catalogs hold customer tables; only those the simulated teams write (and grants) exist here.
  if (catalog !== undefined && catalog !== 'system' && !grants && !WORKSPACE_CATALOGS.includes(catalog)) {
    throw notFound();
  }
  if (catalog === undefined || grants) state.tables = undefined;
  else if (state.tables !== undefined) note(state.tables, fullName.toLowerCase());
  if (catalog === undefined && !grants) return;
  table.catalog = null;
  table.schema = ident(grants ? UC_INFORMATION_SCHEMA : schema);
}

/** Returns a replacement for a wrapper node (`{function: …}`, `{parameter: …}`), or undefined to descend. */
function rewriteNode(node: Node, state: RewriteState): Node | undefined {
  const aggregate = node.aggregate_function;
  if (
    isNode(aggregate) &&
    typeof aggregate.name === 'string' &&
    aggregate.name.toLowerCase() === 'percentile'
  ) {
    // Databricks' percentile is exact and interpolating; DuckDB's `quantile` (polyglot's pick) is discrete.
    aggregate.name = 'quantile_cont';
    return undefined;
  }
  const fn = node.function;
  if (isNode(fn) && typeof fn.name === 'string') {
    const name = fn.name.toLowerCase();
    const args = Array.isArray(fn.args) ? fn.args : [];
    if (args.length === 0 && NOW_FUNCTIONS.has(name)) {
      note(state.clockParams, NOW_PARAM);
      return parameterNode(NOW_PARAM);
    }
    if (args.length === 0 && TODAY_FUNCTIONS.has(name)) {
      note(state.clockParams, TODAY_PARAM);
      return parameterNode(TODAY_PARAM);
    }
    if (name === 'unix_timestamp' && args.length <= 1) {
      fn.name = 'dbx_unix_timestamp';
      if (args.length === 0) {
        note(state.clockParams, NOW_PARAM);
        fn.args = [parameterNode(NOW_PARAM)];
      }
    } else if ((name === 'date_add' || name === 'dateadd' || name === 'date_sub') && args.length === 2) {
      // Databricks returns a DATE; polyglot's `d + INTERVAL n DAY` yields a TIMESTAMP in DuckDB.
      fn.name = name === 'date_sub' ? 'dbx_date_sub' : 'dbx_date_add';
    } else if (name === 'from_unixtime' && args.length === 1) {
      fn.name = 'dbx_from_unixtime';
    }
    return undefined;
  }
  const parameter = node.parameter;
  if (isNode(parameter) && typeof parameter.name === 'string' && parameter.style === 'Colon') {
    if (parameter.name.startsWith('__dbxops')) {
      throw warehouseError('INVALID_PARAMETER', `Parameter name :${parameter.name} is reserved.`, {
        statement: state.sql,
      });
    }
    note(state.params, parameter.name);
    parameter.style = 'Dollar';
    return undefined;
  }
  const ours =
    isNode(parameter) && parameter.style === 'Dollar' && String(parameter.name).startsWith('__dbxops');
  if ((isNode(parameter) && !ours) || 'placeholder' in node) {
    throw warehouseError(
      'INVALID_PARAMETER',
      'Only named parameter markers (:name) are supported, as in the Statement Execution API; `?` is not.',
      { statement: state.sql },
    );
  }
  const table = node.table;
  if (isNode(table) && isNode(table.name)) rewriteTable(table, state);
  const show = node.show;
  if (isNode(show) && isNode(show.scope) && isNode(show.scope.table)) {
    // `SHOW TABLES IN system.billing` parses the schema as a table named `billing` in schema `system`.
    const scope = show.scope.table;
    if (identName(scope.schema)?.toLowerCase() === 'system') scope.schema = null;
  }
  return undefined;
}

function rewrite(node: unknown, state: RewriteState): void {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const item: unknown = node[index];
      // CASE keeps its branches as [condition, result] pairs: arrays inside arrays.
      if (Array.isArray(item)) rewrite(item, state);
      if (!isNode(item)) continue;
      const replacement = rewriteNode(item, state);
      if (replacement) node[index] = replacement;
      else rewrite(item, state);
    }
    return;
  }
  if (!isNode(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      rewrite(value, state);
    } else if (isNode(value)) {
      const replacement = rewriteNode(value, state);
      if (replacement) node[key] = replacement;
      else rewrite(value, state);
    }
  }
}

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * `SHOW TABLES [IN [system.]schema]` has no DuckDB twin with Databricks' columns
 * (`database`, `tableName`, `isTemporary`); answer it from DuckDB's information_schema.
 */
function showTablesSql(statement: Node): string | undefined {
  const show = statement.show;
  if (!isNode(show) || String(show.this).toUpperCase() !== 'TABLES') return undefined;
  const scope = isNode(show.scope) && isNode(show.scope.table) ? show.scope.table : undefined;
  const schema = scope === undefined ? undefined : identName(scope.name)?.toLowerCase();
  const stored = schema === 'information_schema' ? UC_INFORMATION_SCHEMA : schema;
  const where = stored === undefined ? '' : ` AND table_schema = ${sqlString(stored)}`;
  return (
    `SELECT table_schema AS "database", table_name AS "tableName", false AS "isTemporary" ` +
    `FROM information_schema.tables WHERE table_catalog = current_database() ` +
    `AND table_schema NOT IN ('meta', 'main')${where} ORDER BY 1, 2`
  );
}

/**
 * Translates one read-only Databricks SQL statement to DuckDB SQL over the simulator's tables.
 * Throws `WarehouseError`: SYNTAX (does not parse), READ_ONLY (a write, DDL or several statements),
 * INVALID_PARAMETER (`?` markers, reserved names), NOT_FOUND (a `system.*` table the simulator lacks).
 */
// Collectors and reports send the same statements on every poll; translation is pure, so keep the last
// results. Bounded: a one-off statement evicts the oldest entry.
const TRANSLATION_CACHE_SIZE = 512;
const translations = new Map<string, TranslatedStatement>();

/**
 * Databricks SQL → DuckDB SQL for the embedded warehouse (see the top of this file). Memoised by the
 * statement text; failures are not cached, so they are reported every time.
 */
export function translateDatabricksSql(sql: string): TranslatedStatement {
  const cached = translations.get(sql);
  if (cached !== undefined) {
    translations.delete(sql);
    translations.set(sql, cached);
    return cached;
  }
  const translated = Object.freeze(translateUncached(sql));
  translations.set(sql, translated);
  if (translations.size > TRANSLATION_CACHE_SIZE) translations.delete(translations.keys().next().value!);
  return translated;
}

function translateUncached(sql: string): TranslatedStatement {
  const statement = checkReadOnly(sql, parseDatabricks(sql));
  const showTables = showTablesSql(statement);
  if (showTables !== undefined) return { sql: showTables, params: [], clockParams: [], tables: undefined };
  const state: RewriteState = { sql, params: [], clockParams: [], tables: [] };
  const root = [statement];
  rewrite(root, state);
  const printed = generate(root, Dialect.Databricks);
  const databricks = printed.success ? printed.sql?.[0] : undefined;
  if (databricks === undefined) {
    throw warehouseError(
      'SYNTAX',
      `The statement could not be translated: ${printed.error ?? 'no output'}.`,
      {
        statement: sql,
      },
    );
  }
  const duck = transpile(databricks, Dialect.Databricks, Dialect.DuckDB);
  const out = duck.success ? duck.sql?.[0] : undefined;
  if (out === undefined) {
    throw warehouseError(
      'SYNTAX',
      `The statement could not be translated to DuckDB: ${duck.error ?? 'no output'}.`,
      {
        statement: sql,
      },
    );
  }
  return { sql: out, params: state.params, clockParams: state.clockParams, tables: state.tables };
}
