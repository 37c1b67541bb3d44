import { describe, expect, it } from 'vitest';
import { readSlaCompliance } from '../../../src/agents/sla/read-sla-compliance.js';
import type { QueryResult, SqlValue, Warehouse } from '../../../src/databricks/warehouse.js';

const at = (iso: string) => Date.parse(iso);

/** A warehouse at the machine's edge: answers by the table a statement reads, and records each one. */
function warehouseOf(tables: Record<string, Record<string, SqlValue>[]>): Warehouse & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    async query(sql): Promise<QueryResult> {
      const table = /FROM (system\.[a-z_.]+)/.exec(sql)?.[1] ?? '';
      read.push(table);
      return { columns: [], rows: tables[table] ?? [], truncated: false };
    },
    close: async () => {},
  };
}

describe('readSlaCompliance', () => {
  it('reads no lineage when no job carries an sla tag and the policy names no SLA', async () => {
    const warehouse = warehouseOf({
      'system.lakeflow.jobs': [{ job_id: '1', name: 'nightly', team: 'finance' }],
      'system.lakeflow.job_run_timeline': [
        { first_end: '2026-11-21T05:00:00Z', last_end: '2026-11-21T05:40:00Z', finished_in_window: 3 },
      ],
    });
    const read = await readSlaCompliance(warehouse, {
      policySlas: [],
      from: at('2026-11-21T00:00:00Z'),
      to: at('2026-11-22T00:00:00Z'),
    });
    expect(warehouse.read).toEqual(['system.lakeflow.jobs', 'system.lakeflow.job_run_timeline']);
    expect(read).toMatchObject({ promises: [], verdicts: [], runsFinished: 3 });
  });

  it("judges a tagged job's table by its writers' runs, with history from each hour's first and last end", async () => {
    const warehouse = warehouseOf({
      'system.lakeflow.jobs': [{ job_id: '7', name: 'revenue', team: 'finance', sla: '06:00' }],
      'system.access.table_lineage': [{ table_name: 'main.finance.revenue', job_id: '7' }],
      'system.lakeflow.job_run_timeline': [
        { job_id: '7', ended: '2026-11-21T05:10:00Z', result_state: 'SUCCEEDED' },
        { first_end: '2026-11-21T05:10:00Z', last_end: '2026-11-21T05:10:00Z', finished_in_window: 1 },
      ],
    });
    const read = await readSlaCompliance(warehouse, {
      policySlas: [],
      from: at('2026-11-21T00:00:00Z'),
      to: at('2026-11-22T00:00:00Z'),
    });
    expect(read.verdicts).toEqual([
      {
        table: 'main.finance.revenue',
        team: 'finance',
        deadlineAt: at('2026-11-21T06:00:00Z'),
        status: 'at_risk',
        landedAt: at('2026-11-21T05:10:00Z'),
        jobId: '7',
        maxAgeMinutes: null,
        oldestMs: null,
      },
    ]);
    expect(read.statements.find((s) => s.sql.includes('job_id IN'))?.params).toMatchObject({ w0: '7' });
  });
});
