import { DbxopsError } from '../../domain/errors.js';

export type ConsoleErrorReason = 'unknown_channel';

/** Something the console cannot do for a caller in our own process (the notifier posting a card). */
export class ConsoleError extends DbxopsError {
  readonly reason: ConsoleErrorReason;

  constructor(reason: ConsoleErrorReason, message: string, details: Record<string, unknown> = {}) {
    super(`CONSOLE_${reason.toUpperCase()}`, message, details);
    this.reason = reason;
  }
}
