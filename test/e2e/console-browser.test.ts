import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { type ConsoleHarness, openConsoleStore, startConsole } from '../bot/console/console-harness.js';
import { launchBrowser } from '../support/browser.js';

describe('the local console in a browser', () => {
  let store: Store;
  let h: ConsoleHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    store = await openConsoleStore();
    h = await startConsole(store, { heartbeatMs: 0 });
    browser = await launchBrowser();
    context = browser.context;
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The card renderer's inline border colour is blocked by our CSP on purpose; anything else counts.
      if (message.type() === 'error' && !message.text().includes('style-src')) problems.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.cleanup();
    await h?.close();
    await store?.close();
  });

  it('shows an incident card, acknowledges it in place, and answers /dbx help', async () => {
    await page.goto(`${h.baseUrl}/`);
    await expect.poll(() => page.locator('#conn').textContent()).toBe('live');
    await expect.poll(() => page.locator('#channel-name').textContent()).toBe('#incidents');

    // The notifier posts while the page is open: the card arrives live, without a reload.
    const { view } = await h.postIncident();
    const card = page.locator(`article.dbx-incident[data-incident-id="${view.incidentId}"]`);
    await card.waitFor();
    expect(await card.locator('.dbx-sev').textContent()).toContain('P1');
    expect(await card.locator('dd').first().textContent()).toBe('Open');

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => card.locator('dd').first().textContent()).toBe('Acknowledged');
    expect(await card.textContent()).toContain('Acknowledged byyou');
    expect(await card.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    const thread = page.locator('article.msg .thread .reply');
    await expect.poll(() => thread.first().textContent()).toContain('Acknowledged by you.');
    // Still one card: updated in place, not posted again.
    expect(await page.locator('article.dbx-incident').count()).toBe(1);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/console.png' });

    await page.locator('#composer-text').fill('/dbx help');
    await page.keyboard.press('Enter');
    const only = page.locator('#ephemeral article.ephemeral');
    await only.first().waitFor();
    expect(await only.first().textContent()).toContain('Only visible to you');
    expect(await only.first().textContent()).toContain('/dbx ack <incident id>');

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: '/tmp/console-dark.png' });
    expect(problems).toEqual([]);
  });
});
