import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceStatus } from '../../../src/bot/console/workspace-status.js';
import type { Store } from '../../../src/store/open-store.js';
import { type ConsoleHarness, openConsoleStore, startConsole, T0 } from './console-harness.js';

const DEMO: WorkspaceStatus = {
  mode: 'embedded',
  name: 'acme-prod',
  host: 'dbc-acme-prod.cloud.databricks.com',
  description: "Acme Retail's lakehouse.",
  now: T0,
  speed: 60,
  next: { at: T0 + 25 * 60_000, text: 'finance_orders_daily fails: the first incident card appears here' },
};

let store: Store;
let h: ConsoleHarness | undefined;

beforeAll(async () => {
  store = await openConsoleStore();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await store?.close();
});

describe('GET /api/status', () => {
  it('tells the page which workspace it watches, its clock and what comes next', async () => {
    h = await startConsole(store, { status: () => DEMO });
    const res = await fetch(`${h.baseUrl}/api/status`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(DEMO);
  });

  it('says what stops the monitoring, when the status has to be worked out first', async () => {
    const health = ['poll:runs: late: last poll 135 s ago (every 60 s)'];
    h = await startConsole(store, { status: async () => ({ ...DEMO, health }) });
    const res = await fetch(`${h.baseUrl}/api/status`);
    expect(await res.json()).toEqual({ ...DEMO, health });
  });

  it('answers only GET', async () => {
    h = await startConsole(store, { status: () => DEMO });
    expect((await fetch(`${h.baseUrl}/api/status`, { method: 'POST' })).status).toBe(405);
  });

  it('tells nothing to someone the console has not authenticated', async () => {
    h = await startConsole(store, {
      status: () => DEMO,
      auth: { kind: 'header', header: 'x-forwarded-email', trustedProxies: ['127.0.0.1'] },
    });
    const res = await fetch(`${h.baseUrl}/api/status`);
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).not.toContain('acme');
    const signedIn = await fetch(`${h.baseUrl}/api/status`, {
      headers: { 'x-forwarded-email': 'alice@example.com' },
    });
    expect(signedIn.status).toBe(200);
  });
});
