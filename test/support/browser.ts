import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
const CHROMIUM_PATH = process.env.DBXOPS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium with a fresh profile and everything that phones home switched off, so the
 * only traffic is to the loopback server under test. Close the returned context, then call `cleanup`.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; cleanup(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'dbxops-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async cleanup() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
