/**
 * Appends 1,000,000 `lakeflow.job_task_run_timeline` rows to each DuckDB sink (in memory) — the
 * appender sink the live simulator uses and the bulk sink exports use — and prints rows/s and peak
 * RSS for each. Prints figures only; never passes or fails on time.
 *
 *   npx tsx bench/sink-append.bench.ts [rows]
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { SystemTableRow } from '../src/sim/system-table-sink.js';
import { DuckDbBulkSink } from '../src/sim/tables/duckdb-bulk-sink.js';
import { DuckDbSink } from '../src/sim/tables/duckdb-sink.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1_000;
const START = Date.UTC(2026, 10, 1);

function row(i: number): SystemTableRow {
  const start = START + i * 1_000;
  const failed = i % 97 === 0;
  return {
    account_id: 'acc-0001',
    workspace_id: '1234567890123456',
    job_id: String(298_120_471_834_650 + (i % 300)),
    run_id: String(969_479_553_499_872 + i),
    period_start_time: start,
    period_end_time: start + 600_000,
    task_key: `task_${i % 7}`,
    compute_ids: ['0929-205554-jm9y8aqe'],
    result_state: failed ? 'FAILED' : 'SUCCEEDED',
    job_run_id: String(869_479_553_499_872 + Math.floor(i / 7)),
    parent_run_id: String(869_479_553_499_872 + Math.floor(i / 7)),
    termination_code: failed ? 'RUN_EXECUTION_ERROR' : 'SUCCESS',
    compute: [{ type: 'CLUSTER', cluster_id: '0929-205554-jm9y8aqe', warehouse_id: null }],
    termination_type: failed ? 'CLIENT_ERROR' : 'SUCCESS',
    task_parameters: { env: 'prod' },
    setup_duration_seconds: 30,
    cleanup_duration_seconds: 5,
    execution_duration_seconds: 565,
  };
}

const sinks = {
  'DuckDbSink (appender)': DuckDbSink.create,
  'DuckDbBulkSink (JSON files, loads in the background)': DuckDbBulkSink.create,
} as const;

for (const [name, create] of Object.entries(sinks)) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const sink = await create(connection);

  let peakRss = process.memoryUsage.rss();
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const sampler = setInterval(sampleRss, 50);

  const started = performance.now();
  let batch: SystemTableRow[] = [];
  for (let i = 0; i < ROWS; i++) {
    batch.push(row(i));
    if (batch.length === BATCH) {
      sink.append('lakeflow.job_task_run_timeline', batch);
      batch = [];
      // The bulk sink loads what it has so far while the next rows are made (runScenario does this hourly).
      if (i % 100_000 === 99_999) {
        sampleRss();
        if (sink instanceof DuckDbBulkSink) await sink.ready();
      }
    }
  }
  if (batch.length > 0) sink.append('lakeflow.job_task_run_timeline', batch);
  await sink.flush();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  sampleRss();

  const check = await connection.runAndReadAll('SELECT count(*) FROM lakeflow.job_task_run_timeline');
  await sink.close();
  connection.closeSync();
  instance.closeSync();

  console.log(name);
  console.log(
    `  rows appended:  ${ROWS.toLocaleString('en-US')} (table holds ${check.getRowsJson()[0]?.[0]})`,
  );
  console.log(`  elapsed:        ${seconds.toFixed(2)} s`);
  console.log(`  throughput:     ${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s`);
  console.log(`  peak RSS:       ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
}
