import type { Availability } from '../scenario/schema.js';
import type { Cloud } from './catalog.js';
import type { ClusterSpec } from './model.js';

/**
 * Spot or on-demand nodes, as each cloud spells them in a cluster spec's `aws_attributes`,
 * `azure_attributes` or `gcp_attributes` (Clusters API) and in `system.compute.clusters`.
 */
const SPELLING: Readonly<Record<Cloud, Readonly<Record<Availability, string>>>> = {
  AWS: { SPOT_WITH_FALLBACK: 'SPOT_WITH_FALLBACK', SPOT: 'SPOT', ON_DEMAND: 'ON_DEMAND' },
  AZURE: {
    SPOT_WITH_FALLBACK: 'SPOT_WITH_FALLBACK_AZURE',
    SPOT: 'SPOT_AZURE',
    ON_DEMAND: 'ON_DEMAND_AZURE',
  },
  GCP: {
    SPOT_WITH_FALLBACK: 'PREEMPTIBLE_WITH_FALLBACK_GCP',
    SPOT: 'PREEMPTIBLE_GCP',
    ON_DEMAND: 'ON_DEMAND_GCP',
  },
};

const ATTRIBUTES_KEY: Readonly<Record<Cloud, 'aws_attributes' | 'azure_attributes' | 'gcp_attributes'>> = {
  AWS: 'aws_attributes',
  AZURE: 'azure_attributes',
  GCP: 'gcp_attributes',
};

/** What a cluster without any setting has always been: AWS spot with fallback, elsewhere on demand. */
function defaultAvailability(cloud: Cloud): Availability {
  return cloud === 'AWS' ? 'SPOT_WITH_FALLBACK' : 'ON_DEMAND';
}

/** How a cluster's nodes are bought: what is spot, and how many nodes (driver first) are on demand anyway. */
export interface NodeAvailability {
  readonly availability: Availability;
  readonly firstOnDemand: number;
}

/** The attributes block a scenario's `availability` / `first_on_demand` become, or nothing when neither is set. */
export function attributesFromScenario(
  cloud: Cloud,
  spec: { availability?: Availability | undefined; first_on_demand?: number | undefined },
): Record<string, unknown> {
  if (spec.availability === undefined && spec.first_on_demand === undefined) return {};
  const availability = spec.availability ?? defaultAvailability(cloud);
  const block: Record<string, unknown> = {
    first_on_demand: spec.first_on_demand ?? 1,
    availability: SPELLING[cloud][availability],
  };
  if (cloud === 'AWS') block.zone_id = 'auto';
  return { [ATTRIBUTES_KEY[cloud]]: block };
}

/**
 * Reads a spec's availability back (a spec sent through clusters/edit or jobs/update may set its own
 * attributes block); a spec without one is the cloud's default with one on-demand node, the driver.
 */
export function nodeAvailability(cloud: Cloud, spec: ClusterSpec): NodeAvailability {
  const block = spec[ATTRIBUTES_KEY[cloud]] as
    | { availability?: unknown; first_on_demand?: unknown }
    | undefined;
  const spelled = typeof block?.availability === 'string' ? block.availability : undefined;
  const entry = Object.entries(SPELLING[cloud]).find(([, s]) => s === spelled);
  const first = typeof block?.first_on_demand === 'number' ? block.first_on_demand : 1;
  return {
    availability: entry === undefined ? defaultAvailability(cloud) : (entry[0] as Availability),
    firstOnDemand: Math.max(0, Math.floor(first)),
  };
}

/** The attributes columns of a `system.compute.clusters` row, as they were before scenarios could set them. */
export function attributeColumns(
  cloud: Cloud,
  spec: ClusterSpec,
): { aws_attributes: unknown; azure_attributes: unknown; gcp_attributes: unknown } {
  const own = spec[ATTRIBUTES_KEY[cloud]] as Record<string, unknown> | undefined;
  const { availability, firstOnDemand } = nodeAvailability(cloud, spec);
  const block = { first_on_demand: firstOnDemand, availability: SPELLING[cloud][availability] };
  const zone = typeof own?.zone_id === 'string' ? own.zone_id : 'auto';
  return {
    aws_attributes: cloud === 'AWS' ? { ...block, zone_id: zone } : null,
    azure_attributes: cloud === 'AZURE' ? block : null,
    // GCP rows carried no attributes before: only a cluster that sets its own shows them. The GCP
    // struct has no first_on_demand; it says spot as `use_preemptible_executors`.
    gcp_attributes:
      cloud === 'GCP' && own !== undefined
        ? {
            use_preemptible_executors: availability !== 'ON_DEMAND',
            availability: SPELLING.GCP[availability],
            zone_id: zone,
          }
        : null,
  };
}

/** The REST attributes block (`clusters/get`), always present as on a real workspace. */
export function attributesJson(cloud: Cloud, spec: ClusterSpec): Record<string, unknown> {
  const own = (spec[ATTRIBUTES_KEY[cloud]] as Record<string, unknown> | undefined) ?? {};
  const { availability, firstOnDemand } = nodeAvailability(cloud, spec);
  return {
    [ATTRIBUTES_KEY[cloud]]: {
      ...(cloud === 'AWS' ? { zone_id: 'auto', spot_bid_price_percent: 100 } : {}),
      ...own,
      first_on_demand: firstOnDemand,
      availability: SPELLING[cloud][availability],
    },
  };
}

/**
 * Nodes a spot reclaim takes from a cluster of `workers` workers: every spot node. On-demand nodes are
 * the first `first_on_demand` (the driver counts first); an `ON_DEMAND` cluster has none to lose.
 */
export function spotNodesAtRisk(a: NodeAvailability, workers: number): { workers: number; driver: boolean } {
  if (a.availability === 'ON_DEMAND') return { workers: 0, driver: false };
  const onDemandWorkers = Math.max(0, a.firstOnDemand - 1);
  return { workers: Math.max(0, workers - onDemandWorkers), driver: a.firstOnDemand === 0 };
}
