import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/sim/memory-sink.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { loadScenario } from '../../src/sim/scenario/load-scenario.js';
import type { SinkTableName, SystemTableRow } from '../../src/sim/system-table-sink.js';
import { DuckDbSink } from '../../src/sim/tables/duckdb-sink.js';
import { finishExport, openExportFile } from '../../src/sim/tables/export-duckdb-file.js';
import { quotedStorageName, SINK_TABLES } from '../../src/sim/tables/system-table-ddl.js';

const HOURS = 6;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbxops-run-scenario-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A memory sink that also paces: counts `ready` calls and how many rows had arrived at each. */
class PacedMemorySink extends MemorySink {
  readonly rowsAtReady: number[] = [];
  #rows = 0;

  override append(table: SinkTableName, rows: readonly SystemTableRow[]): void {
    super.append(table, rows);
    this.#rows += rows.length;
  }

  async ready(): Promise<void> {
    this.rowsAtReady.push(this.#rows);
  }
}

describe('runScenario', () => {
  it('lets a sink that loads in the background take each simulated hour as it is done', async () => {
    const scenario = await loadScenario('scenarios/demo.yaml');
    const sink = new PacedMemorySink();
    await runScenario({ scenario, seed: 1, sink, until: Date.parse(scenario.start) + HOURS * 3_600_000 });
    // Once after each whole hour but the last, which the final flush hands over.
    expect(sink.rowsAtReady).toHaveLength(HOURS - 1);
    expect(sink.rowsAtReady[0]).toBeGreaterThan(0);
    expect([...sink.rowsAtReady].sort((a, b) => a - b)).toEqual(sink.rowsAtReady);
  });

  it('exports the demo scenario to a file with the rows, values and order the appender sink stores', async () => {
    const scenario = await loadScenario('scenarios/demo.yaml');
    const until = Date.parse(scenario.start) + HOURS * 3_600_000;

    const memory = await DuckDBInstance.create(':memory:');
    const sinkConnection = await memory.connect();
    const appender = await DuckDbSink.create(sinkConnection);
    await runScenario({ scenario, seed: 1, sink: appender, until });
    await appender.close();

    const path = join(dir, 'demo.duckdb');
    const file = await openExportFile(path);
    const workspace = await runScenario({ scenario, seed: 1, sink: file, until });
    await finishExport(file, {
      scenario: 'demo',
      seed: 1,
      startedAt: workspace.startMs,
      now: workspace.now(),
    });

    const exported = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const exportedConnection = await exported.connect();
    const memoryConnection = await memory.connect();
    try {
      let rows = 0;
      for (const table of SINK_TABLES) {
        const sql = `SELECT * FROM ${quotedStorageName(table)}`;
        const expected = (await memoryConnection.runAndReadAll(sql)).getRowObjectsJson();
        const actual = (await exportedConnection.runAndReadAll(sql)).getRowObjectsJson();
        expect(actual, table).toEqual(expected);
        rows += expected.length;
      }
      expect(rows).toBeGreaterThan(1000);
    } finally {
      exportedConnection.closeSync();
      exported.closeSync();
      memoryConnection.closeSync();
      sinkConnection.closeSync();
      memory.closeSync();
    }
  });
});
