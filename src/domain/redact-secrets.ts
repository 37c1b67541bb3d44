/** What a secret is replaced with wherever text or a value leaves dbxops (errors, audit log). */
const REDACTED = '[redacted]';

// Secrets can hide inside free text: a proxy echoing the request, an OAuth error quoting a token, a
// connection string in an error message.
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/\bdapi[0-9a-f]{16,}(-\d+)?\b/gi, REDACTED],
  [/\bdose[0-9a-f]{16,}\b/gi, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g, REDACTED],
  // Slack bot, user and app tokens.
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, REDACTED],
  // OpenAI-style API keys and GitHub tokens.
  [/\bsk-[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, REDACTED],
  // Query parameters that carry credentials: ?access_token=…, &client_secret=…
  [
    /([?&](?:access_token|refresh_token|id_token|token|api_key|apikey|key|password|secret|client_secret|sig|signature)=)[^&\s#"']+/gi,
    `$1${REDACTED}`,
  ],
  // The password of a URL's user info: postgres://user:secret@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

/** Masks token-shaped substrings so a text can be shown, logged or recorded safely. */
export function redactSecretText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Member names whose value is a secret whatever it looks like (compared lower case, without `-`/`_`). */
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'token',
  'apikey',
  'xapikey',
  'privatekey',
  'apppassword',
  'signingsecret',
  'credentials',
]);
/** Databricks' idempotency tokens deduplicate requests; they grant nothing, and an auditor needs them. */
const NOT_SECRET_KEYS = new Set(['idempotencytoken']);
const SECRET_KEY_SUFFIXES = ['token', 'secret', 'password', 'apikey', 'privatekey'];

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_\s]/g, '');
  if (NOT_SECRET_KEYS.has(k)) return false;
  return SECRET_KEYS.has(k) || SECRET_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/**
 * A copy of a JSON-like value with every secret masked: members named like a secret (`token`,
 * `Authorization`, `client_secret`, `*_token` …) lose their value whatever it is, and token-shaped
 * substrings of every other string are masked. Cycles are cut.
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, new WeakSet());
}

function redact(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactSecretText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    out[redactSecretText(key)] = isSecretKey(key) && member != null ? REDACTED : redact(member, seen);
  }
  return out;
}
