/**
 * How a test file finds its vitest project, by path alone, so a new file falls under a project without
 * anyone listing it:
 * - `acceptance`: everything under test/e2e/ — drives the running bot as Slack, Teams, a browser and the
 *   demo's full eval do;
 * - `integration`: `*.int.test.ts` — starts a server, a process or a database (PostgreSQL, PGlite,
 *   DuckDB, Redis, the simulator's HTTP server, a fake Slack or Bot Connector);
 * - `unit`: every other `*.test.ts` — plain functions in memory.
 * test/suite-layout.test.ts fails when a unit test imports something that starts a server, or leaves
 * state behind for the next file (a module mock, a stubbed global, the environment, fake timers).
 *
 * Only `unit` shares its modules between the files a worker runs (`isolate: false`): a fresh process and
 * module graph for each of its hundred-odd files cost more than their tests (two minutes against one on
 * a loaded two-core machine), and plain functions in memory have nothing to leak. The other projects
 * start servers, databases and processes, so each of their files gets its own process.
 */
export interface SuiteProject {
  readonly name: 'unit' | 'integration' | 'acceptance';
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Each file in a process and module graph of its own (vitest's `isolate`). */
  readonly isolate: boolean;
}

const ACCEPTANCE = 'test/e2e/**/*.test.ts';
const INTEGRATION = 'test/**/*.int.test.ts';

export const suiteProjects: readonly SuiteProject[] = [
  { name: 'unit', include: ['test/**/*.test.ts'], exclude: [ACCEPTANCE, INTEGRATION], isolate: false },
  { name: 'integration', include: [INTEGRATION], exclude: [ACCEPTANCE], isolate: true },
  { name: 'acceptance', include: [ACCEPTANCE], exclude: [], isolate: true },
];

/** The project a test file (a path relative to the repository root) runs in. */
export function projectOf(file: string): SuiteProject['name'] {
  if (file.startsWith('test/e2e/')) return 'acceptance';
  if (file.endsWith('.int.test.ts')) return 'integration';
  return 'unit';
}
