/**
 * How a test file finds its vitest project, by path alone, so a new file falls under a project without
 * anyone listing it:
 * - `acceptance`: everything under test/e2e/ — drives the running bot as Slack, Teams, a browser and the
 *   demo's full eval do;
 * - `integration`: `*.int.test.ts` — starts a server, a process or a database (PostgreSQL, PGlite,
 *   DuckDB, Redis, the simulator's HTTP server, a fake Slack or Bot Connector);
 * - `unit`: every other `*.test.ts` — plain functions in memory.
 * test/suite-layout.test.ts fails when a unit test imports something that starts a server.
 */
export interface SuiteProject {
  readonly name: 'unit' | 'integration' | 'acceptance';
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

const ACCEPTANCE = 'test/e2e/**/*.test.ts';
const INTEGRATION = 'test/**/*.int.test.ts';

export const suiteProjects: readonly SuiteProject[] = [
  { name: 'unit', include: ['test/**/*.test.ts'], exclude: [ACCEPTANCE, INTEGRATION] },
  { name: 'integration', include: [INTEGRATION], exclude: [ACCEPTANCE] },
  { name: 'acceptance', include: [ACCEPTANCE], exclude: [] },
];

/** The project a test file (a path relative to the repository root) runs in. */
export function projectOf(file: string): SuiteProject['name'] {
  if (file.startsWith('test/e2e/')) return 'acceptance';
  if (file.endsWith('.int.test.ts')) return 'integration';
  return 'unit';
}
