/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/`/g, '&#96;');
}

/** The URL if it is absolute http(s), otherwise null: `javascript:` and `data:` never become links. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A chart's address as the console loads it: the path of the signed URL, so it comes from the
 * console's own origin (its Content-Security-Policy allows images from 'self' only) whatever public
 * URL Teams was given.
 */
export function sameOriginPath(url: string | null): string | null {
  const safe = safeHttpUrl(url);
  if (safe === null) return null;
  const parsed = new URL(safe);
  return `${parsed.pathname}${parsed.search}`;
}
