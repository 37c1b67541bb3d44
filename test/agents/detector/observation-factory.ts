import { thresholdsSchema, type Thresholds } from '../../../src/config/policy.js';
import {
  type RunObservation,
  type RunObservationInput,
  runObservationSchema,
} from '../../../src/agents/detector/observations.js';

export const WS = '1234567890123456';
export const T0 = Date.UTC(2026, 10, 20, 2, 0); // 2026-11-20 02:00 UTC
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const thresholds = (overrides: Partial<Thresholds> = {}): Thresholds =>
  thresholdsSchema.parse(overrides);

/** A finished successful single-task run of the nightly orders job; override what a test varies. */
export function run(overrides: Partial<RunObservationInput> = {}): RunObservation {
  return runObservationSchema.parse({
    workspaceId: WS,
    jobId: '684914303928317',
    jobName: 'Nightly orders ETL',
    runId: '455644833361223',
    trigger: 'PERIODIC',
    lifeCycleState: 'TERMINATED',
    resultState: 'SUCCESS',
    startTime: T0,
    endTime: T0 + 30 * MIN,
    tags: { team: 'data-eng', criticality: 'standard' },
    owner: 'etl-sp@example.com',
    tablesRead: ['main.raw.orders'],
    tablesWritten: ['main.sales.orders'],
    computeIds: ['1121-020000-abcd1234'],
    ...overrides,
  } satisfies RunObservationInput);
}

type TaskInput = NonNullable<RunObservationInput['tasks']>[number];

export function task(taskKey: string, runId: string, overrides: Partial<TaskInput> = {}): TaskInput {
  return {
    taskKey,
    runId,
    attemptNumber: 0,
    lifeCycleState: 'TERMINATED',
    resultState: 'SUCCESS',
    startTime: T0,
    endTime: T0 + 10 * MIN,
    ...overrides,
  };
}
