import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { type ReservedPort, reservePort } from '../../src/app/http-app.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { serveDemoOverTls, servedWorkspaceEnv } from '../support/served-simulator.js';

const WEBHOOK = { username: 'dbxops', password: 'e2e-webhook-secret' };

/** Signal kinds of every open incident, and how many incidents there are. */
async function seen(running: RunningDbxops, workspaceId: string) {
  const open = await running.app.repos.incidents.listOpen({ workspaceId, limit: 500 });
  const signals = await running.app.repos.incidents.listSignalsOf(open.map((i) => i.id));
  const all = [...signals.values()].flat();
  const kinds = new Set(all.map((s) => s.kind));
  const overspent = new Set(all.filter((s) => s.kind === 'cost_anomaly').map((s) => s.subject.id));
  return { incidents: open.length, kinds, overspent };
}

/**
 * dbxops configured for a real workspace — DATABRICKS_HOST, a token, a warehouse id, webhook
 * credentials — pointed at `dbxops sim serve --tls --wall-clock --at-hour 30` on the demo scenario,
 * once per SQL transport. The simulator runs in this process; dbxops reaches it only over HTTPS.
 */
describe.each([
  // Hour 30: platform_adhoc idles without auto-stop since +1h, a reconciliation query runs away on
  // finance_wh since +28h, and yesterday afternoon's marketing cost spike (+12h to +20h) is in the window.
  {
    transport: 'thrift',
    atHour: 30,
    expected: ['warehouse_idle_no_autostop', 'runaway_query', 'cost_anomaly'],
  },
  {
    transport: 'statement-execution',
    atHour: 30,
    expected: ['warehouse_idle_no_autostop', 'runaway_query', 'cost_anomaly'],
  },
] as const)(
  'dbxops on a real-workspace configuration against sim serve --tls --wall-clock --at-hour $atHour, over $transport',
  ({ transport, atHour, expected }) => {
    let sim: EmbeddedWorkspace | undefined;
    let running: RunningDbxops | undefined;
    let dataDir = '';
    let reserved: ReservedPort | undefined;
    let cleanup = () => {};

    afterEach(async () => {
      cleanup();
      await running?.stop();
      await reserved?.release();
      await sim?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it(`opens incidents and reports ${expected.join(', ')} within two minutes`, async () => {
      // Held from here on: the simulator needs the webhook URL before dbxops serves on it.
      reserved = await reservePort('127.0.0.1');
      const { port } = reserved;
      sim = await serveDemoOverTls({
        atHour,
        webhook: { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, ...WEBHOOK },
      });
      dataDir = mkdtempSync(join(tmpdir(), 'dbxops-e2e-'));
      const env = loadEnv({
        PORT: String(port),
        LOG_LEVEL: 'silent',
        DBXOPS_DATA_DIR: dataDir,
        ...servedWorkspaceEnv(sim),
        // The system tables read over the transport under test.
        DATABRICKS_SQL_TRANSPORT: transport,
        DBXOPS_WEBHOOK_USERNAME: WEBHOOK.username,
        DBXOPS_WEBHOOK_PASSWORD: WEBHOOK.password,
      });
      const started = Date.now();
      running = await startDbxops(env, createLogger({ level: 'silent' }), 'all', reserved);
      expect(running.embedded).toBeNull();
      const workspaceId = sim.workspace.workspaceId;
      const seenKinds = new Set<string>();
      const watch = setInterval(() => {
        seen(running!, workspaceId).then(
          (now) => {
            for (const kind of now.kinds) seenKinds.add(kind);
          },
          () => {},
        );
      }, 500);
      cleanup = () => clearInterval(watch);

      await expect
        .poll(async () => expected.filter((kind) => !seenKinds.has(kind)), {
          timeout: 120_000,
          interval: 1000,
        })
        .toEqual([]);
      const after = await seen(running, workspaceId);
      process.stdout.write(
        `${transport}: ${after.incidents} incidents in ${((Date.now() - started) / 1000).toFixed(1)} s; signals ${[...after.kinds].sort().join(', ')}\n`,
      );
      expect(after.incidents).toBeGreaterThan(1);
      // The cost anomaly is marketing's spike, not a cheap team's few dollars of nightly batch.
      expect([...after.overspent]).toEqual(['marketing']);
    }, 180_000);
  },
);
