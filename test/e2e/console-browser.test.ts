import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashConsolePassword, parseConsoleUsers } from '../../src/bot/console/console-password.js';
import { incidentButtons } from '../../src/cards/incident-buttons.js';
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
    await expect.poll(() => thread.first().textContent()).toContain('Acknowledged by you');
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

describe('the console with a login, in a browser', () => {
  let store: Store;
  let h: ConsoleHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    store = await openConsoleStore();
    const users = parseConsoleUsers(`alice:${await hashConsolePassword('alice in chains')}\n`);
    if (!users.ok) throw new Error(users.message);
    h = await startConsole(store, {
      heartbeatMs: 0,
      auth: {
        kind: 'login',
        users: users.users,
        sessionSecret: randomBytes(32),
        sessionTtlMs: 3_600_000,
        secureCookies: false,
        trustedProxies: ['127.0.0.1'],
      },
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Blocked inline card colours (on purpose) and the 401 the login form shows are expected.
      const text = message.text();
      if (message.type() === 'error' && !text.includes('style-src') && !text.includes('401'))
        problems.push(text);
    });
  });
  afterAll(async () => {
    await browser?.cleanup();
    await h?.close();
    await store?.close();
  });

  it('signs in through the page, presses a card button as that person, and keeps strangers out', async () => {
    const { view, ref } = await h.postIncident();
    const ack = incidentButtons(view).standard.find((b) => b.payload.action === 'ack');
    if (ack === undefined) throw new Error('no ack button');
    const pressAck = (cookie?: string) =>
      fetch(`${h.baseUrl}/api/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
        body: JSON.stringify({
          channelId: 'incidents',
          messageId: ref.messageId,
          actionId: ack.actionId,
          value: ack.value,
          requestId: `stranger-${Date.now()}`,
        }),
      });

    // A stranger neither reads nor acts.
    expect((await pressAck()).status).toBe(401);
    expect((await pressAck('dbxops_user=alice')).status).toBe(401);
    expect((await fetch(`${h.baseUrl}/api/channels/incidents/messages?user=alice`)).status).toBe(401);

    await page.goto(`${h.baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.locator('#login-user').fill('alice');
    await page.locator('#login-password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Wrong name or password.');

    await page.locator('#login-password').fill('alice in chains');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => page.locator('#user').textContent()).toBe('alice');
    await expect.poll(() => page.locator('#conn').textContent()).toBe('live');
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    // The session cookie is out of reach of page scripts.
    expect(await page.evaluate('document.cookie')).not.toContain('dbxops_session');

    const card = page.locator(`article.dbx-incident[data-incident-id="${view.incidentId}"]`);
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => card.locator('dd').first().textContent()).toBe('Acknowledged');
    expect(await card.textContent()).toContain('Acknowledged byalice');
    expect((await h.repos.incidents.get(view.incidentId))?.acknowledgedBy).toBe('alice');

    await page.locator('#sign-out').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${h.baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(problems).toEqual([]);
  });
});
