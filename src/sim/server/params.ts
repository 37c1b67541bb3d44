import { invalidParam } from '../engine/sim-api-error.js';
import type { RouteContext } from './route.js';

/** A parameter from the JSON body, or for GET requests the query string (clients send either). */
function raw(ctx: RouteContext, name: string): unknown {
  if (ctx.body[name] !== undefined) return ctx.body[name];
  const q = ctx.query.get(name);
  return q === null ? undefined : q;
}

/** An int64 id (job_id, run_id) sent as a JSON number or a numeric string. */
export function idParam(ctx: RouteContext, name: string): number;
export function idParam(ctx: RouteContext, name: string, optional: true): number | undefined;
export function idParam(ctx: RouteContext, name: string, optional = false): number | undefined {
  const v = raw(ctx, name);
  if (v === undefined || v === null || v === '') {
    if (optional) return undefined;
    throw invalidParam(`Missing required field: ${name}`);
  }
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,19}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw invalidParam(
      `Invalid value for ${name}: expected an integer id, got ${JSON.stringify(v).slice(0, 64)}`,
    );
  return n;
}

export function stringParam(ctx: RouteContext, name: string): string;
export function stringParam(ctx: RouteContext, name: string, optional: true): string | undefined;
export function stringParam(ctx: RouteContext, name: string, optional = false): string | undefined {
  const v = raw(ctx, name);
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw invalidParam(`Missing required field: ${name}`);
  }
  if (typeof v !== 'string' || v.length > 4096)
    throw invalidParam(`Invalid value for ${name}: expected a string`);
  return v;
}

export function intParam(ctx: RouteContext, name: string, dflt: number, min: number, max: number): number {
  const v = raw(ctx, name);
  if (v === undefined || v === null || v === '') return dflt;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,12}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidParam(`Invalid value for ${name}: must be an integer between ${min} and ${max}`);
  }
  return n;
}

export function boolParam(ctx: RouteContext, name: string): boolean {
  const v = raw(ctx, name);
  if (v === undefined || v === null) return false;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalidParam(`Invalid value for ${name}: expected true or false`);
}

export function stringArrayParam(ctx: RouteContext, name: string): string[] | undefined {
  const v = ctx.body[name] ?? (ctx.query.getAll(name).length > 0 ? ctx.query.getAll(name) : undefined);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidParam(`Invalid value for ${name}: expected an array of strings`);
  return v as string[];
}

export function objectParam(ctx: RouteContext, name: string): Record<string, unknown> | undefined {
  const v = ctx.body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalidParam(`Invalid value for ${name}: expected an object`);
  return v as Record<string, unknown>;
}
