import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { systemClock } from '../../src/domain/clock.js';

/** Trust the simulator's local CA in this process, as NODE_EXTRA_CA_CERTS does for `dbxops start`. */
function trustLocalCa(caCert: string): void {
  if (!getCACertificates('default').includes(caCert))
    setDefaultCACertificates([...getCACertificates('default'), caCert]);
}

/**
 * `dbxops sim serve --tls --wall-clock --at-hour H` on the demo scenario, in this process: a stand-in
 * workspace reached only over HTTPS, whose local CA this process trusts. Close it with `close()`.
 */
export async function serveDemoOverTls(options: {
  readonly atHour: number;
  readonly webhook?: { readonly url: string; readonly username: string; readonly password: string };
}): Promise<EmbeddedWorkspace> {
  const sim = await startEmbeddedWorkspace({
    scenario: { file: 'scenarios/demo.yaml' },
    seed: 42,
    speed: 0,
    tls: true,
    wallClock: { clock: systemClock, atHour: options.atHour },
    ...(options.webhook === undefined ? {} : { webhook: options.webhook }),
  });
  if (sim.tls === null) throw new Error('the simulator was asked for TLS and served none');
  trustLocalCa(sim.tls.caCert);
  return sim;
}

/** The environment of a dbxops configured for the served simulator as its real workspace. */
export function servedWorkspaceEnv(sim: EmbeddedWorkspace): Record<string, string> {
  const warehouse = sim.workspace.warehouses.byName.get('finance_wh');
  if (warehouse === undefined) throw new Error('the demo scenario has no finance_wh');
  return {
    DATABRICKS_HOST: sim.url,
    DATABRICKS_TOKEN: sim.token,
    DATABRICKS_WAREHOUSE_ID: warehouse.id,
    DATABRICKS_SQL_TRANSPORT: 'statement-execution',
  };
}
