/** A value that can sit in a Databricks query string; nested objects flatten with dots. */
type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly (string | number | boolean)[]
  | { readonly [key: string]: QueryValue };

export type QueryParams = { readonly [key: string]: QueryValue };

/**
 * Encodes query parameters the way Databricks reads them: booleans as `true`/`false`, arrays as repeated
 * keys, nested objects flattened with dots (`filter_by.statuses=FAILED&filter_by.statuses=CANCELED`).
 * `undefined` and `null` are left out.
 */
export function toSearchParams(params: QueryParams | undefined): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) appendParam(out, key, value);
  return out;
}

function appendParam(out: URLSearchParams, prefix: string, value: QueryValue): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) out.append(prefix, String(item));
    return;
  }
  if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value as { readonly [key: string]: QueryValue })) {
      appendParam(out, `${prefix}.${key}`, item);
    }
    return;
  }
  out.append(prefix, String(value));
}
