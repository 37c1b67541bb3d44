/**
 * Numbers the simulator bills and sizes with (docs/databricks.md, Prices and sizes): node types, warehouse DBU rates, list prices.
 * Approximate list prices; what matters is that the cost queries join them the way Databricks does.
 */
export interface NodeType {
  node_type: string;
  core_count: number;
  memory_mb: number;
  gpu_count: number;
  dbu_per_hour: number;
}

export const NODE_TYPES: readonly NodeType[] = [
  { node_type: 'm5.xlarge', core_count: 4, memory_mb: 16_384, gpu_count: 0, dbu_per_hour: 0.69 },
  { node_type: 'm5.2xlarge', core_count: 8, memory_mb: 32_768, gpu_count: 0, dbu_per_hour: 1.37 },
  { node_type: 'i3.xlarge', core_count: 4, memory_mb: 31_232, gpu_count: 0, dbu_per_hour: 1.0 },
  { node_type: 'i3.2xlarge', core_count: 8, memory_mb: 62_464, gpu_count: 0, dbu_per_hour: 2.0 },
  { node_type: 'r5.xlarge', core_count: 4, memory_mb: 32_768, gpu_count: 0, dbu_per_hour: 0.9 },
  { node_type: 'r5.2xlarge', core_count: 8, memory_mb: 65_536, gpu_count: 0, dbu_per_hour: 1.8 },
  { node_type: 'r5.4xlarge', core_count: 16, memory_mb: 131_072, gpu_count: 0, dbu_per_hour: 3.6 },
  { node_type: 'Standard_DS3_v2', core_count: 4, memory_mb: 14_336, gpu_count: 0, dbu_per_hour: 0.75 },
  { node_type: 'Standard_DS4_v2', core_count: 8, memory_mb: 28_672, gpu_count: 0, dbu_per_hour: 1.5 },
  { node_type: 'Standard_DS5_v2', core_count: 16, memory_mb: 57_344, gpu_count: 0, dbu_per_hour: 3.0 },
  { node_type: 'Standard_E8ds_v4', core_count: 8, memory_mb: 65_536, gpu_count: 0, dbu_per_hour: 2.0 },
  { node_type: 'Standard_F4s_v2', core_count: 4, memory_mb: 8_192, gpu_count: 0, dbu_per_hour: 0.5 },
  { node_type: 'n2-highmem-4', core_count: 4, memory_mb: 32_768, gpu_count: 0, dbu_per_hour: 0.9 },
  // GPU nodes (ML training and inference): NVIDIA T4, A10G, L4, V100, A100 and H100.
  { node_type: 'g4dn.xlarge', core_count: 4, memory_mb: 16_384, gpu_count: 1, dbu_per_hour: 0.71 },
  { node_type: 'g4dn.12xlarge', core_count: 48, memory_mb: 196_608, gpu_count: 4, dbu_per_hour: 7.13 },
  { node_type: 'g5.xlarge', core_count: 4, memory_mb: 16_384, gpu_count: 1, dbu_per_hour: 1.07 },
  { node_type: 'g5.12xlarge', core_count: 48, memory_mb: 196_608, gpu_count: 4, dbu_per_hour: 8.4 },
  { node_type: 'p3.2xlarge', core_count: 8, memory_mb: 62_464, gpu_count: 1, dbu_per_hour: 4.15 },
  { node_type: 'p4d.24xlarge', core_count: 96, memory_mb: 1_179_648, gpu_count: 8, dbu_per_hour: 37.55 },
  { node_type: 'p5.48xlarge', core_count: 192, memory_mb: 2_097_152, gpu_count: 8, dbu_per_hour: 92.0 },
  { node_type: 'Standard_NC4as_T4_v3', core_count: 4, memory_mb: 28_672, gpu_count: 1, dbu_per_hour: 1.0 },
  { node_type: 'Standard_NC6s_v3', core_count: 6, memory_mb: 114_688, gpu_count: 1, dbu_per_hour: 3.0 },
  {
    node_type: 'Standard_NC24ads_A100_v4',
    core_count: 24,
    memory_mb: 225_280,
    gpu_count: 1,
    dbu_per_hour: 6.0,
  },
  { node_type: 'g2-standard-4', core_count: 4, memory_mb: 16_384, gpu_count: 1, dbu_per_hour: 1.0 },
  { node_type: 'a2-highgpu-1g', core_count: 12, memory_mb: 87_040, gpu_count: 1, dbu_per_hour: 4.67 },
];

const BY_NAME = new Map(NODE_TYPES.map((n) => [n.node_type, n]));

/** An AWS size: `g4dn.2xlarge` is family `g4dn`, factor 2 (`xlarge` alone is 1). */
const AWS_SIZE = /^([a-z]\d[a-z]*)\.(\d*)xlarge$/;

/**
 * A size of a family the catalogue knows another size of: AWS sizes double cores, memory, DBUs and
 * (within a family of single-GPU sizes) keep the GPU count, so `g4dn.2xlarge` is twice `g4dn.xlarge`.
 * Without this, a node type one size up (what a remediation for memory asks for) would get the default's
 * 16 GB, no more than before, and the same job would run out of memory again.
 */
function scaledFromFamily(name: string): NodeType | undefined {
  const m = AWS_SIZE.exec(name);
  if (m?.[1] === undefined) return undefined;
  const family = m[1];
  const factor = m[2] === '' || m[2] === undefined ? 1 : Number(m[2]);
  const sibling = NODE_TYPES.find((n) => AWS_SIZE.exec(n.node_type)?.[1] === family);
  const siblingFactor = Number(sibling === undefined ? '' : AWS_SIZE.exec(sibling.node_type)?.[2] || 1);
  if (sibling === undefined || !(factor > 0)) return undefined;
  const scale = factor / siblingFactor;
  return {
    node_type: name,
    core_count: Math.max(1, Math.round(sibling.core_count * scale)),
    memory_mb: Math.round(sibling.memory_mb * scale),
    gpu_count: sibling.gpu_count === 0 ? 0 : Math.max(1, sibling.gpu_count),
    dbu_per_hour: Math.round(sibling.dbu_per_hour * scale * 100) / 100,
  };
}

/**
 * Unknown node types of a known AWS family are sized from it; others get m5.xlarge-like numbers rather
 * than failing: scenarios may name any type.
 */
export function nodeType(name: string): NodeType {
  return (
    BY_NAME.get(name) ??
    scaledFromFamily(name) ?? {
      node_type: name,
      core_count: 4,
      memory_mb: 16_384,
      gpu_count: 0,
      dbu_per_hour: 0.75,
    }
  );
}

export const WAREHOUSE_DBU_PER_HOUR: Readonly<Record<string, number>> = {
  '2X-Small': 4,
  'X-Small': 6,
  Small: 12,
  Medium: 24,
  Large: 40,
  'X-Large': 80,
  '2X-Large': 144,
  '3X-Large': 272,
  '4X-Large': 528,
};

export type Cloud = 'AWS' | 'AZURE' | 'GCP';

const SERVERLESS_REGION: Record<Cloud, string> = {
  AWS: 'US_EAST_N_VIRGINIA',
  AZURE: 'US_EAST',
  GCP: 'US_CENTRAL',
};

export function skuNames(cloud: Cloud) {
  const region = SERVERLESS_REGION[cloud];
  return {
    jobs: 'PREMIUM_JOBS_COMPUTE',
    jobsPhoton: 'PREMIUM_JOBS_COMPUTE_(PHOTON)',
    jobsServerless: `PREMIUM_JOBS_SERVERLESS_COMPUTE_${region}`,
    allPurpose: 'PREMIUM_ALL_PURPOSE_COMPUTE',
    sqlClassic: 'PREMIUM_SQL_COMPUTE',
    sqlPro: 'PREMIUM_SQL_PRO_COMPUTE',
    sqlServerless: `PREMIUM_SERVERLESS_SQL_COMPUTE_${region}`,
    dltCore: 'PREMIUM_DLT_CORE_COMPUTE',
    dltPro: 'PREMIUM_DLT_PRO_COMPUTE',
    dltAdvanced: 'PREMIUM_DLT_ADVANCED_COMPUTE',
  };
}

/** USD per DBU by cloud (docs/databricks.md, Prices and sizes). */
export function listPrices(cloud: Cloud): { sku_name: string; price: number }[] {
  const s = skuNames(cloud);
  const az = cloud === 'AZURE';
  return [
    { sku_name: s.jobs, price: az ? 0.3 : 0.15 },
    { sku_name: s.jobsPhoton, price: az ? 0.3 : 0.15 },
    { sku_name: s.jobsServerless, price: az ? 0.45 : 0.35 },
    { sku_name: s.allPurpose, price: 0.55 },
    { sku_name: s.sqlClassic, price: 0.22 },
    { sku_name: s.sqlPro, price: az ? 0.66 : 0.55 },
    { sku_name: s.sqlServerless, price: 0.7 },
    { sku_name: s.dltCore, price: az ? 0.3 : 0.2 },
    { sku_name: s.dltPro, price: az ? 0.38 : 0.25 },
    { sku_name: s.dltAdvanced, price: az ? 0.54 : 0.36 },
  ];
}
