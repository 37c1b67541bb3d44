import type { BotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { POLL_EVERY_MS } from '../../src/jobs/monitoring.js';
import type { Scenario } from '../../src/sim/scenario/schema.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { embeddedBotApp } from './embedded-databricks.js';

const HOUR = 3_600_000;

/** The demo workspace and the dbxops that watched it. Close it with `close()`. */
export interface DemoPolled {
  readonly embedded: EmbeddedWorkspace;
  readonly store: Store;
  readonly app: BotApp;
  close(): Promise<void>;
}

/**
 * The demo workspace (seed 42) through the production monitoring loop, polls only, as `dbxops eval`
 * replays it: simulated time moves a minute at a time from `fromHours` to `toHours` after the
 * scenario's start, and each source is polled as often as the embedded mode polls it.
 */
export function pollDemo(window: { fromHours: number; toHours: number }): Promise<DemoPolled> {
  return pollScenario({ file: 'scenarios/demo.yaml', seed: 42 }, window);
}

/** `pollDemo` on another scenario (a file, or one built in the test) and seed. */
export async function pollScenario(
  scenario: ({ file: string } | { scenario: Scenario }) & { seed: number },
  window: { fromHours: number; toHours: number },
): Promise<DemoPolled> {
  const embedded = await startEmbeddedWorkspace({
    scenario: 'file' in scenario ? { file: scenario.file } : { scenario: scenario.scenario },
    seed: scenario.seed,
    speed: 0,
  });
  const store = await openStore({ dataDir: 'memory://' });
  const ws = embedded.workspace;
  const app = await embeddedBotApp(embedded, store, { client: { retry: { maxAttempts: 2 } } });
  const close = async () => {
    await app.close();
    await store.close();
    await embedded.close();
  };
  try {
    const due = { runs: 0, system_tables: 0, topology: 0 };
    for (let t = ws.startMs + window.fromHours * HOUR; t <= ws.startMs + window.toHours * HOUR; t += 60_000) {
      ws.advanceTo(t);
      for (const source of ['topology', 'runs', 'system_tables'] as const) {
        if (t < due[source]) continue;
        await ws.flush();
        await app.dispatcher.dispatch('poll', { source });
        due[source] = t + POLL_EVERY_MS.embedded[source];
      }
      await app.drain!();
    }
  } catch (error) {
    // Nothing is left running when the replay fails.
    await close();
    throw error;
  }
  return {
    embedded,
    store,
    app,
    close,
  };
}
