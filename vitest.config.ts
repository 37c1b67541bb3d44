import { defineConfig } from 'vitest/config';
import { suiteProjects } from './test/suite-projects.js';
import { SLOW_TAG, SlowFirstSequencer } from './test/suite-sequencer.js';

export default defineConfig({
  test: {
    // Unit, integration and acceptance tests, each a project chosen by path (test/suite-projects.ts);
    // `npm test` runs all three, `npm run test:unit` (and so on) one of them.
    projects: suiteProjects.map((project) => ({
      test: {
        name: project.name,
        include: [...project.include],
        exclude: [...project.exclude],
        isolate: project.isolate,
        // Tests start real servers (DuckDB, PGlite, the simulator); give slow CI machines room.
        testTimeout: 60_000,
        hookTimeout: 120_000,
        pool: 'forks',
        tags: [{ name: SLOW_TAG, description: 'keeps a worker busy for a minute or more; runs first' }],
      },
    })),
    // Long files first, whichever project they are in: see test/suite-sequencer.ts.
    sequence: { sequencer: SlowFirstSequencer },
    // Two workers on two cores (the default is cores − 1): the demo's full eval keeps one busy for
    // minutes. Both stay busy to the end of a run (files, their hooks and imports are about 2,000
    // worker-seconds in a 1,030-second run), so the run's length is its work, not how it is shared out;
    // the acceptance project's processes use about 750 CPU-seconds for its 1,000 worker-seconds, so a
    // third worker would find about a quarter of the two cores free, and slow the tests that race a clock.
    maxWorkers: 2,
    // Run once for the whole run, whichever projects run: the projects do not extend this config, so
    // its global setup is not repeated per project. Tests that run bin/dbxops.js run the compiled dist/;
    // tests on PostgreSQL share one server, a fresh database each (test/support/test-database.ts).
    globalSetup: ['test/support/build-dist.ts', 'test/support/postgres-global-setup.ts'],
    // CI reads the JSON report to print its closing `tests: N passed, N failed` line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
