import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localOperator } from '../../src/app/console-auth-setup.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { launchBrowser } from '../support/browser.js';

/**
 * The embedded default as a newcomer meets it: `dbxops start` on the demo scenario at its default speed,
 * the console in Chromium, a header that says what the demo is doing, the first incident card within a
 * minute of start, Acknowledge.
 */
describe('dbxops start with the demo scenario, in a browser', () => {
  let running: RunningDbxops;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let startedAt: number;

  beforeAll(async () => {
    // The default 60×: the quiet hours before the 01:50 extract timeout are played at start-up.
    // The browser first: the demo's clock runs from start-up, and a browser slow to launch on a busy
    // machine would otherwise eat the lead-in before the page could show the header's "Next".
    browser = await launchBrowser();
    page = await browser.context.newPage();
    startedAt = Date.now();
    const env = loadEnv({ PORT: '0', LOG_LEVEL: 'silent' });
    running = await startDbxops(env, createLogger({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await browser?.cleanup();
    await running?.stop();
  });

  it('shows the demo cascade as one incident card and acknowledges it in place', async () => {
    await page.goto(`${running.url}/`);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');

    // Before anything has happened, the header says what the demo is and what comes next.
    await expect
      .poll(() => page.locator('#ws-name').textContent(), { timeout: 10_000 })
      .toBe('Demo workspace acme-prod');
    expect(await page.locator('#ws-clock').textContent()).toMatch(
      /^simulated 2026-11-20 0[01]:\d\d UTC · 60× speed$/,
    );
    expect(await page.locator('#ws-next').textContent()).toMatch(
      /^Next, at 01:50 \(in ~\d+ s\): finance_orders_daily fails: the first incident card appears here$/,
    );
    await page.screenshot({ path: '/tmp/start-demo-first-minute.png' });

    // The nightly orders extract times out; its transform and load are skipped: one card, not three.
    const card = page.locator('article.dbx-incident', { hasText: 'finance_orders_daily' });
    await card.first().waitFor({ timeout: 60_000 - (Date.now() - startedAt) });
    process.stdout.write(`first card ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start\n`);
    await page.waitForTimeout(3_000);
    expect(await card.count()).toBe(1);
    expect(await card.locator('.dbx-sev').textContent()).toContain('P1');
    expect(await card.textContent()).toMatch(/timed out/i);

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect
      .poll(() => card.locator('dd').first().textContent(), { timeout: 10_000 })
      .toBe('Acknowledged');
    // With nothing configured the console acts as the OS account running dbxops.
    expect(await card.textContent()).toContain(`Acknowledged by${localOperator()}`);
    await page.screenshot({ path: '/tmp/start-demo.png' });

    // The card's "Full incident" link brings it back into view from another channel, highlighted.
    const id = await card.getAttribute('data-incident-id');
    await page.goto(`${running.url}/#finops`);
    await expect.poll(() => page.locator('#channel-name').textContent(), { timeout: 10_000 }).toBe('#finops');
    await page.evaluate(`location.hash = ${JSON.stringify(`incident/${id}`)}`);
    await expect
      .poll(() => page.locator(`article.dbx-incident.dbx-focus[data-incident-id="${id}"]`).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(await page.locator('#channel-name').textContent()).toBe('#incidents');
  }, 120_000);
});
