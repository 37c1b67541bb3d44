import { describe, expect, it } from 'vitest';
import { detectOverdueTables } from '../../../src/agents/detector/detect-overdue-tables.js';
import { rowCountKey } from '../../../src/agents/detector/detect-row-counts.js';
import { tableSlaSchema } from '../../../src/agents/detector/observations.js';
import { Prng } from '../../../src/sim/engine/prng.js';
import { HOUR, MIN, WS } from './observation-factory.js';

const TABLE = 'main.commercial.brand_kpis';
const T0 = Date.UTC(2026, 10, 20, 4, 20);

/** The row-count baselines of one writer that loaded `TABLE` at `times`. */
function loadsAt(times: readonly number[], table = TABLE) {
  const key = rowCountKey({ workspaceId: WS, table, jobId: '42', taskKey: 'refresh_kpis' });
  return { [key]: { samples: times.map((t, i) => [`run-${i}`, t, 9000] as const) } };
}

const daily = (n: number) => Array.from({ length: n }, (_, i) => T0 + i * 24 * HOUR + (i % 3) * 4 * MIN);

describe('detectOverdueTables', () => {
  it('tells a daily table overdue once a day and a quarter has passed since its last write, in words', () => {
    const writes = daily(7);
    const last = writes.at(-1)!;
    expect(detectOverdueTables(loadsAt(writes), [], last + 29 * HOUR).signals).toEqual([]);
    const [signal] = detectOverdueTables(loadsAt(writes), [], last + 31 * HOUR).signals;
    expect(signal).toMatchObject({ kind: 'table_overdue', subject: { type: 'table', id: TABLE } });
    expect(signal?.evidence[0]?.label).toBe(
      `Downstream ${TABLE} not refreshed since 2026-11-26 04:20 UTC (usually every 24 h)`,
    );
  });

  it('is one signal per stale spell, however many polls see it', () => {
    const writes = daily(7);
    const last = writes.at(-1)!;
    const a = detectOverdueTables(loadsAt(writes), [], last + 31 * HOUR).signals[0];
    const b = detectOverdueTables(loadsAt(writes), [], last + 40 * HOUR).signals[0];
    expect(a?.id).toBe(b?.id);
  });

  it('never calls a table written at no regular interval overdue', () => {
    const rng = new Prng(11);
    let t = T0;
    const writes = Array.from({ length: 12 }, () => {
      t += (1 + rng.next() * 40) * HOUR;
      return t;
    });
    for (const later of [2, 12, 48, 96])
      expect(detectOverdueTables(loadsAt(writes), [], t + later * HOUR).signals).toEqual([]);
  });

  it('leaves a table with an SLA to the SLA detector, and one with too short a history alone', () => {
    const writes = daily(7);
    const now = writes.at(-1)! + 31 * HOUR;
    const sla = tableSlaSchema.parse({ workspaceId: WS, table: TABLE, deadline: '06:00', timezone: 'UTC' });
    expect(detectOverdueTables(loadsAt(writes), [sla], now).signals).toEqual([]);
    expect(detectOverdueTables(loadsAt(daily(4)), [], daily(4).at(-1)! + 31 * HOUR).signals).toEqual([]);
  });
});
