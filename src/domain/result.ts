/** Expected outcomes are values: `{ ok: true, value }` or `{ ok: false, reason, userMessage }`. */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<R extends string = string> = {
  readonly ok: false;
  readonly reason: R;
  readonly userMessage: string;
  readonly details?: Readonly<Record<string, unknown>>;
};
export type Result<T, R extends string = string> = Ok<T> | Err<R>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <R extends string>(
  reason: R,
  userMessage: string,
  details?: Record<string, unknown>,
): Err<R> =>
  details === undefined ? { ok: false, reason, userMessage } : { ok: false, reason, userMessage, details };
