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
