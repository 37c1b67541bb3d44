/** SQL warehouse ids are 16 lowercase hex characters; anything else in `compute_ids` is a cluster. */
export function isWarehouseId(id: string): boolean {
  return /^[0-9a-f]{16}$/.test(id);
}

/** Splits a run's `compute_ids` into its first cluster and first warehouse. */
export function splitComputeIds(ids: readonly string[]): { clusterId?: string; warehouseId?: string } {
  const clusterId = ids.find((id) => !isWarehouseId(id));
  const warehouseId = ids.find(isWarehouseId);
  return {
    ...(clusterId !== undefined ? { clusterId } : {}),
    ...(warehouseId !== undefined ? { warehouseId } : {}),
  };
}
