import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runSimExport } from '../../../src/app/sim-commands.js';
import { DEFAULT_SCENARIO_FILE } from '../../../src/config/default-scenario-file.js';

/** The demo scenario's end: `dbxops sim export` runs its 48 h from 2026-11-20 00:00 UTC. */
export const DEMO_END = Date.parse('2026-11-22T00:00:00Z');

export interface DemoExport {
  readonly path: string;
  readonly workspaceId: string;
  /** Runs a hand-written DuckDB statement on the exported file, values as DuckDB returns them in JSON. */
  hand(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Exactly what `dbxops sim export --out <file>` writes for the demo scenario (seed 42), opened read-only
 * a second time for the hand-written queries the figures are checked against.
 */
export async function exportDemo(): Promise<DemoExport> {
  const dir = mkdtempSync(join(tmpdir(), 'dbxops-cost-'));
  const path = join(dir, 'demo.duckdb');
  const write = process.stdout.write;
  // The command prints where it wrote; the test output does not need it.
  process.stdout.write = () => true;
  try {
    await runSimExport({ scenario: DEFAULT_SCENARIO_FILE, out: path, seed: 42, force: true });
  } finally {
    process.stdout.write = write;
  }
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const hand = async (sql: string) => {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  };
  const [first] = await hand('SELECT workspace_id FROM billing.usage LIMIT 1');
  return {
    path,
    workspaceId: String(first?.workspace_id),
    hand,
    async close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
