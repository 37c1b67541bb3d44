import type { Policy } from '../../config/policy.js';
import type { Logger } from '../../config/logger.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Warehouse } from '../../databricks/warehouse.js';
import type { Clock } from '../../domain/clock.js';
import type { WatermarkRepository } from '../../store/watermark-repository.js';

/** What every collector function needs for one workspace; all I/O and time come in here. */
export interface CollectorDeps {
  readonly workspaceId: string;
  readonly client: DatabricksClient;
  readonly warehouse: Warehouse;
  readonly watermarks: WatermarkRepository;
  readonly clock: Clock;
  readonly policy: Policy;
  readonly logger?: Pick<Logger, 'warn' | 'debug'> | undefined;
}
