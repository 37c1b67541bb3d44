import { readFileSync } from 'node:fs';

/** One file of the page, served as-is (no build step). */
export interface PageAsset {
  readonly body: Buffer;
  readonly type: string;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/login': { file: 'login.html', type: 'text/html; charset=utf-8' },
  '/login.js': { file: 'login.js', type: 'text/javascript; charset=utf-8' },
};

/** Reads the page files once, at start-up, so a request never touches the disk. */
export function loadPageAssets(
  dir: URL = new URL('./page/', import.meta.url),
): ReadonlyMap<string, PageAsset> {
  const assets = new Map<string, PageAsset>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    assets.set(path, { body: readFileSync(new URL(file, dir)), type });
  }
  return assets;
}

/**
 * No inline script or style element, nothing from elsewhere. Style attributes stay blocked too: the
 * card renderer's `style="border-left-color:…"` is ignored and the stylesheet colours by severity class.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
