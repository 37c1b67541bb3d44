import { ConfigError } from '../../domain/errors.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Turns what a person typed as the workspace host into an origin: adds `https://` when no scheme is
 * given and drops paths, query and trailing slashes. Plain `http://` is accepted only for loopback (the
 * embedded simulator), so a token is never sent in clear text over a network.
 */
export function normalizeHost(raw: string, source = 'host'): string {
  const trimmed = raw.trim();
  if (trimmed === '') throw new ConfigError(`The Databricks ${source} is empty`, { source });
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`The Databricks ${source} "${trimmed}" is not a valid URL`, { source });
  }
  if (url.username || url.password) {
    throw new ConfigError(`The Databricks ${source} must not carry credentials; use a token instead`, {
      source,
    });
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new ConfigError(
      `The Databricks ${source} uses http:// for ${url.hostname}; use https:// (plain http is allowed only for a loopback simulator)`,
      { source, hostname: url.hostname },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`The Databricks ${source} must be an https:// URL, got ${url.protocol}`, {
      source,
    });
  }
  return url.origin;
}
