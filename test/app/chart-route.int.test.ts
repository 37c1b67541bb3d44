import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartLinks } from '../../src/app/chart-route.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { decodePng } from '../support/png.js';

let server: Server;
let base: string;
const logger = pino({ level: 'silent' });
const chart = {
  kind: 'daily' as const,
  title: 'Daily spend · team finance · last 7 days (UTC)',
  days: [
    { day: '2026-11-20', usd: 100.17 },
    { day: '2026-11-21', usd: 119.74 },
  ],
};

beforeAll(async () => {
  server = createHttpApp({ routes: [] });
  const address = await listen(server, 0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
  server.removeAllListeners('request');
  const links = createChartLinks({ baseUrl: base, key: 'k'.repeat(32), logger });
  const app = createHttpApp({ routes: [links.route] });
  server.on('request', (req, res) => app.emit('request', req, res));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const links = () => createChartLinks({ baseUrl: base, key: 'k'.repeat(32), logger });

describe('signed chart links', () => {
  it('serves the PNG a signed link describes, to any process holding the same key', async () => {
    const res = await fetch(links().url(chart));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(decodePng(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 1600, height: 640 });
    const head = await fetch(links().url(chart), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('refuses changed figures, another key, a missing signature, a garbled payload and other methods', async () => {
    const good = links().url(chart);
    const forged = createChartLinks({ baseUrl: base, key: 'k'.repeat(32), logger }).url({
      ...chart,
      days: [{ day: '2026-11-20', usd: 1_000_000 }],
    });
    const swapped = `${forged.split('&s=')[0]}&s=${good.split('&s=')[1]}`;
    expect((await fetch(swapped)).status).toBe(403);
    const other = createChartLinks({ baseUrl: base, key: 'o'.repeat(32), logger }).url(chart);
    expect((await fetch(other)).status).toBe(403);
    expect((await fetch(good.split('&s=')[0] ?? '')).status).toBe(400);
    expect((await fetch(`${base}/charts/cost.png?c=%%%&s=x`)).status).toBe(403);
    expect((await fetch(good, { method: 'POST' })).status).toBe(405);
  });

  it("serves the digest's per-team chart, and refuses one whose bars are not cents", async () => {
    const teams = {
      kind: 'teams' as const,
      title: '2026-11-21 against the 7-day average, per team',
      bars: [
        { label: 'finance', usd: 117.57, averageUsd: 102.34 },
        { label: 'untagged', usd: 3.5, averageUsd: null },
      ],
    };
    const res = await fetch(links().url(teams));
    expect(res.status).toBe(200);
    expect(decodePng(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 1600, height: 640 });
    const negative = links().url({ ...teams, bars: [{ label: 'x', usd: -1, averageUsd: null }] });
    expect((await fetch(negative)).status).toBe(400);
    const tooMany = links().url({
      ...teams,
      bars: Array.from({ length: 61 }, (_, i) => ({ label: `t${i}`, usd: i, averageUsd: null })),
    });
    expect((await fetch(tooMany)).status).toBe(400);
  });

  it('fits a year of days into a link a chat client loads', async () => {
    const year = Array.from({ length: 366 }, (_, i) => ({
      day: new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      usd: 12_345.67 + i,
    }));
    const url = links().url({ kind: 'daily', title: chart.title, days: year });
    expect(url.length).toBeLessThan(8_000);
    expect((await fetch(url)).status).toBe(200);
  });

  it('refuses a signed payload that is not a chart, and an oversized link', async () => {
    const notChart = links().url({ kind: 'daily', title: 'x'.repeat(1_000), days: [] });
    expect((await fetch(notChart)).status).toBe(400);
    const huge = `${base}/charts/cost.png?c=${'A'.repeat(10_000)}&s=x`;
    expect((await fetch(huge)).status).toBe(414);
  });
});
