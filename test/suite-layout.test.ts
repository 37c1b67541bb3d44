import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectOf, suiteProjects } from './suite-projects.js';

/**
 * The suite's three projects are chosen by path (see test/suite-projects.ts); this keeps the rule
 * honest. A test that starts a process, a server or a database is integration and is named
 * `*.int.test.ts`; one that drives the running bot end to end lives under test/e2e/.
 */

const root = join(import.meta.dirname, '..');

/** What starts something outside the test's own memory: each a module a unit test must not import. */
const STARTS_SOMETHING: readonly RegExp[] = [
  /^node:(http|https|net|child_process)$/,
  /^@duckdb\/node-api$/,
  /^@electric-sql\/pglite$/,
  /^(pg|ioredis|bullmq|playwright-core)$/,
  /\/src\/store\/open-store\.js$/,
  /\/src\/jobs\/redis-server\.js$/,
  /\/src\/sim\/server\/start-sim-server\.js$/,
  /\/src\/sim\/tables\/(duckdb-sink|duckdb-bulk-sink|export-duckdb-file)\.js$/,
  /\/src\/app\/(http-app|bot-app|embedded-workspace|eval-command|start-command)\.js$/,
  /\/src\/databricks\/(duckdb-warehouse|databricks-sql-warehouse)\.js$/,
  /\/support\/(postgres-server|fake-slack-server|fake-bot-connector|browser)\.js$/,
  /(^|\/)dialects\.js$/,
  /(console-harness|collector-harness|scripted-server|wire-fixture)\.js$/,
];

/**
 * What outlives a unit test file: the unit project shares one module graph between the files a worker
 * runs (test/suite-projects.ts), so a mock, a stub, a changed environment or fake timers would reach the
 * next file.
 */
const LEAVES_STATE: readonly RegExp[] = [
  /\bvi\.(mock|doMock|stubEnv|stubGlobal|useFakeTimers)\(/,
  /\bprocess\.env(\.\w+|\[[^\]]+\])\s*=[^=]/,
  /\bdelete\s+process\.env\b/,
  /\bprocess\.chdir\(/,
];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

function importsOf(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  return [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

describe('the suite layout', () => {
  const files = testFiles(join(root, 'test'));

  it('puts every test file in exactly one project', () => {
    for (const file of files) expect(suiteProjects.map((p) => p.name)).toContain(projectOf(file));
  });

  it('names a unit test that starts a server, a process or a database *.int.test.ts', () => {
    const offenders = files
      .filter((file) => projectOf(file) === 'unit')
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => STARTS_SOMETHING.some((pattern) => pattern.test(spec)))
          .map((spec) => `${file} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('has no unit test that leaves a mock, a stub, the environment or fake timers to the next file', () => {
    const offenders = files
      .filter((file) => projectOf(file) === 'unit')
      .flatMap((file) => {
        const source = readFileSync(join(root, file), 'utf8');
        return LEAVES_STATE.filter((pattern) => pattern.test(source)).map((pattern) => `${file}: ${pattern}`);
      });
    expect(offenders).toEqual([]);
  });

  it('finds test files in all three projects', () => {
    const counts = new Map(suiteProjects.map((p) => [p.name, 0]));
    for (const file of files) counts.set(projectOf(file), (counts.get(projectOf(file)) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(0);
  });
});
