import { DbxopsError } from '../../domain/errors.js';
import { redactSecretText } from '../../domain/redact-secrets.js';

/** The families of failure a caller branches on. Databricks' own `error_code` stays in `errorCode`. */
export type DatabricksErrorReason =
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'INVALID_PARAMETER'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'NOT_IMPLEMENTED'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'INVALID_RESPONSE'
  | 'UNKNOWN';

export interface DatabricksApiErrorInit {
  reason: DatabricksErrorReason;
  message: string;
  /** HTTP status; 0 when no response arrived (network failure, timeout). */
  status: number;
  /** Databricks' `error_code` (e.g. `INVALID_PARAMETER_VALUE`), when the body carried one. */
  errorCode?: string | undefined;
  method: string;
  /** Request path without query string or host; never carries credentials. */
  path: string;
  /** Structured `details` array from the standard error body, when present. */
  apiDetails?: readonly unknown[] | undefined;
  requestId?: string | undefined;
  /** How many attempts were made before giving up. */
  attempts?: number | undefined;
  /** The wait the server asked for (`Retry-After`), when it asked. */
  retryAfterMs?: number | undefined;
}

/** A Databricks REST call failed. Branch on `reason` (and `errorCode` for finer detail), never on `message`. */
export class DatabricksApiError extends DbxopsError {
  readonly reason: DatabricksErrorReason;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly apiDetails: readonly unknown[];
  readonly retryAfterMs: number | undefined;

  constructor(init: DatabricksApiErrorInit, options?: ErrorOptions) {
    super(
      `DATABRICKS_${init.reason}`,
      `${init.method} ${init.path} failed: ${init.message}`,
      {
        reason: init.reason,
        status: init.status,
        errorCode: init.errorCode,
        method: init.method,
        path: init.path,
        requestId: init.requestId,
        attempts: init.attempts,
        retryAfterMs: init.retryAfterMs,
      },
      options,
    );
    this.reason = init.reason;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.method = init.method;
    this.path = init.path;
    this.apiDetails = Object.freeze([...(init.apiDetails ?? [])]);
    this.retryAfterMs = init.retryAfterMs;
  }

  /**
   * True when the same call may succeed later without anyone changing anything (throttling, an outage,
   * a timeout): what a background worker checks before rescheduling instead of failing for good.
   */
  get transient(): boolean {
    return TRANSIENT_REASONS.has(this.reason);
  }
}

const TRANSIENT_REASONS: ReadonlySet<DatabricksErrorReason> = new Set([
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'NETWORK',
  'INTERNAL',
]);

/** The error body as Databricks (or a proxy in front of it) sent it, reduced to what we read. */
export interface ParsedErrorBody {
  errorCode?: string | undefined;
  message: string;
  details?: readonly unknown[] | undefined;
  requestId?: string | undefined;
}

const MAX_MESSAGE_CHARS = 1000;
const PLAIN_TEXT_ERROR = /^([A-Z][A-Z0-9_]{2,}):\s*([\s\S]*)$/;
const HTML_TITLE = /<title[^>]*>([\s\S]*?)<\/title>/i;
const HTML_H1 = /<h1[^>]*>([\s\S]*?)<\/h1>/i;
const HTML_PRE = /<pre[^>]*>([\s\S]*?)<\/pre>/i;
function clean(text: string): string {
  const collapsed = redactSecretText(text.replace(/\s+/g, ' ').trim());
  return collapsed.length > MAX_MESSAGE_CHARS ? `${collapsed.slice(0, MAX_MESSAGE_CHARS)}…` : collapsed;
}

function stripTags(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function requestIdFrom(details: readonly unknown[] | undefined): string | undefined {
  for (const d of details ?? []) {
    if (d && typeof d === 'object' && 'request_id' in d) {
      const id = asString((d as { request_id?: unknown }).request_id);
      if (id) return id;
    }
  }
  return undefined;
}

/**
 * Reads every error body variant Databricks and its proxies produce: the standard
 * `{error_code, message, details}`, legacy `{error: "…"}`, OAuth `{error, error_description}`, SCIM
 * `{detail, status}`, plain text `ERROR_CODE: message`, an HTML page, or nothing at all.
 */
export function parseErrorBody(text: string, status: number, statusText = ''): ParsedErrorBody {
  const fallback = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const trimmed = text.trim();
  if (trimmed === '') return { message: fallback };

  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      json = undefined;
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const body = json as Record<string, unknown>;
      const details = Array.isArray(body.details) ? (body.details as unknown[]) : undefined;
      const errorCode = asString(body.error_code) ?? asString(body.scimType);
      const legacyError = asString(body.error);
      const description = asString(body.error_description);
      const message =
        asString(body.message) ??
        description ??
        asString(body.detail) ??
        (legacyError && PLAIN_TEXT_ERROR.test(legacyError)
          ? PLAIN_TEXT_ERROR.exec(legacyError)?.[2]
          : legacyError);
      const codeFromLegacy =
        legacyError && PLAIN_TEXT_ERROR.test(legacyError)
          ? PLAIN_TEXT_ERROR.exec(legacyError)?.[1]
          : undefined;
      // OAuth errors put a lowercase code in `error` (`invalid_client`); keep it as the code.
      const oauthCode = description && legacyError && /^[a-z_]+$/.test(legacyError) ? legacyError : undefined;
      return {
        errorCode: errorCode ?? codeFromLegacy ?? oauthCode,
        message: clean(message ?? fallback),
        details,
        requestId: requestIdFrom(details),
      };
    }
  }

  if (/^<(!doctype|html|head|body)/i.test(trimmed) || /<html[\s>]/i.test(trimmed)) {
    const inner = HTML_TITLE.exec(trimmed)?.[1] ?? HTML_H1.exec(trimmed)?.[1] ?? HTML_PRE.exec(trimmed)?.[1];
    const summary = inner ? clean(stripTags(inner)) : '';
    return { message: summary ? `${fallback} (HTML page: ${summary})` : `${fallback} (HTML page)` };
  }

  const firstLine = trimmed.split('\n', 1)[0] ?? trimmed;
  const plain = PLAIN_TEXT_ERROR.exec(firstLine);
  if (plain?.[1]) {
    return { errorCode: plain[1], message: clean(trimmed.slice(plain[1].length + 1)) || fallback };
  }
  return { message: clean(trimmed) };
}

const CODE_REASONS: Readonly<Record<string, DatabricksErrorReason>> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  FEATURE_DISABLED: 'NOT_FOUND',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER',
  BAD_REQUEST: 'INVALID_PARAMETER',
  MALFORMED_REQUEST: 'INVALID_PARAMETER',
  INVALID_STATE: 'INVALID_STATE',
  RESOURCE_ALREADY_EXISTS: 'CONFLICT',
  ALREADY_EXISTS: 'CONFLICT',
  ABORTED: 'CONFLICT',
  RESOURCE_CONFLICT: 'CONFLICT',
  RESOURCE_EXHAUSTED: 'RATE_LIMITED',
  REQUEST_LIMIT_EXCEEDED: 'RATE_LIMITED',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  TEMPORARILY_UNAVAILABLE: 'UNAVAILABLE',
  WORKSPACE_TEMPORARILY_UNAVAILABLE: 'UNAVAILABLE',
  SERVICE_UNDER_MAINTENANCE: 'UNAVAILABLE',
  INTERNAL_ERROR: 'INTERNAL',
  UNKNOWN: 'INTERNAL',
  DATA_LOSS: 'INTERNAL',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  CANCELLED: 'CANCELLED',
  DEADLINE_EXCEEDED: 'TIMEOUT',
  invalid_client: 'UNAUTHENTICATED',
  invalid_grant: 'UNAUTHENTICATED',
  unauthorized_client: 'UNAUTHENTICATED',
};

function reasonFromStatus(status: number): DatabricksErrorReason {
  switch (status) {
    case 400:
      return 'INVALID_PARAMETER';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 429:
      return 'RATE_LIMITED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'TIMEOUT';
    default:
      return status >= 500 ? 'INTERNAL' : 'UNKNOWN';
  }
}

// Undocumented: clusters/get, jobs/get and jobs/runs/get answer a missing id with 400
// INVALID_PARAMETER_VALUE "… does not exist" (databricks-sdk-py errors/overrides.py, sdk-go #375).
const NOT_FOUND_MESSAGE = /\b(does not exist|doesn't exist|not found)\b/i;

/**
 * Maps an HTTP status plus the parsed body to the reason family. The status decides, except where the
 * body is more precise: the 400-not-found quirk, and a known `error_code` under a generic status.
 */
export function classifyError(status: number, body: ParsedErrorBody): DatabricksErrorReason {
  const fromCode = body.errorCode ? CODE_REASONS[body.errorCode] : undefined;
  if (status === 400 && (fromCode === 'INVALID_PARAMETER' || fromCode === undefined)) {
    return NOT_FOUND_MESSAGE.test(body.message) ? 'NOT_FOUND' : 'INVALID_PARAMETER';
  }
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'UNAVAILABLE';
  return fromCode ?? reasonFromStatus(status);
}
