import { describe, expect, it } from 'vitest';
import { clusterCores, durationOnCluster, SERIAL_SHARE } from '../../../src/sim/engine/task-speed.js';

describe('clusterCores', () => {
  it("counts the workers' cores of a fixed-size cluster", () => {
    expect(clusterCores({ node_type_id: 'i3.xlarge', num_workers: 4 })).toBe(16);
  });

  it('counts twice the cores on the next node size up', () => {
    expect(clusterCores({ node_type_id: 'r5.2xlarge', num_workers: 2 })).toBe(
      2 * clusterCores({ node_type_id: 'r5.xlarge', num_workers: 2 }),
    );
  });

  it('counts an autoscaling cluster at its maximum, where load takes it', () => {
    expect(clusterCores({ node_type_id: 'm5.xlarge', autoscale: { max_workers: 6 } })).toBe(24);
  });

  it("counts the driver's cores on a single-node cluster", () => {
    expect(
      clusterCores({ node_type_id: 'm5.xlarge', driver_node_type_id: 'm5.2xlarge', num_workers: 0 }),
    ).toBe(8);
  });
});

describe('durationOnCluster', () => {
  it('keeps the duration on the cluster the scenario declared', () => {
    expect(durationOnCluster(600_000, 16, 16)).toBe(600_000);
  });

  it('keeps the serial share and halves the rest on twice the cores', () => {
    expect(durationOnCluster(600_000, 16, 32)).toBeCloseTo(600_000 * (SERIAL_SHARE + (1 - SERIAL_SHARE) / 2));
  });

  it('never goes below the serial share however big the cluster', () => {
    expect(durationOnCluster(600_000, 8, 8_000)).toBeGreaterThan(600_000 * SERIAL_SHARE);
  });

  it('takes longer on a smaller cluster', () => {
    expect(durationOnCluster(600_000, 16, 8)).toBeCloseTo(600_000 * (SERIAL_SHARE + (1 - SERIAL_SHARE) * 2));
  });

  it('leaves a task without cores to count (serverless, a warehouse) as drawn', () => {
    expect(durationOnCluster(600_000, 0, 0)).toBe(600_000);
  });
});
