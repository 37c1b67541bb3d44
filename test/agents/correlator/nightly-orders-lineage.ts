import type { LineageEdge } from '../../../src/agents/correlator/build-dependency-graph.js';

/**
 * The nightly pipeline the correlator's tests share: job E (the orders ETL) writes `main.sales.orders`
 * from `main.raw.orders`; job M (the revenue mart) reads it and writes `main.mart.daily_revenue`.
 */
export const NIGHTLY_ORDERS_LINEAGE: readonly LineageEdge[] = [
  { sourceTable: 'main.raw.orders', targetTable: 'main.sales.orders', entityType: 'JOB', entityId: 'E' },
  {
    sourceTable: 'main.sales.orders',
    targetTable: 'main.mart.daily_revenue',
    entityType: 'JOB',
    entityId: 'M',
  },
];
