/**
 * Every error dbxops raises on purpose carries a stable `code` to branch on, a message a user can act
 * on, and structured `details`. Branch on `code` (and a subclass's `reason`), never on `message`.
 */
export class DbxopsError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/** A file or value a person wrote (scenario, dbxops.yaml, environment) does not have the expected shape. */
export class ConfigError extends DbxopsError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('CONFIG_INVALID', message, details, options);
  }
}

/** A caller passed something the function cannot work with; a bug on our side if it reaches a user. */
export class InvalidArgumentError extends DbxopsError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_ARGUMENT', message, details);
  }
}

/**
 * A chat platform kept answering 429 or 5xx for longer than one send waits: nothing was delivered, and
 * the caller should try again after `retryAfterMs` (the platform's last Retry-After, or the backoff).
 */
export class DeliveryDeferredError extends DbxopsError {
  readonly retryAfterMs: number;

  constructor(platform: string, retryAfterMs: number, waitedMs: number, options?: ErrorOptions) {
    super(
      'DELIVERY_DEFERRED',
      `${platform} kept refusing the send for ${Math.round(waitedMs / 1000)} s; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      { platform, retryAfterMs, waitedMs },
      options,
    );
    this.retryAfterMs = retryAfterMs;
  }
}
