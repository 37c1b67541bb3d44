import type { SimWorkspace } from '../engine/sim-workspace.js';

/** What a route handler gets: the parsed request and the workspace it acts on. */
export interface RouteContext {
  workspace: SimWorkspace;
  method: string;
  path: string;
  /** Regex capture groups of the route pattern (e.g. a warehouse id). */
  params: string[];
  query: URLSearchParams;
  /** Parsed JSON body (`{}` when empty). */
  body: Record<string, unknown>;
  /** The caller (PAT owner or OAuth client id). */
  user: string;
}

/** A handler's answer: a JSON body and optionally a status (default 200) and headers. */
export interface RouteResponse {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * One endpoint. `extraRoutes` passed to `startSimServer` are matched before the built-in ones, which is
 * how the SQL Statement Execution API (`/api/2.0/sql/statements…`) is plugged in.
 */
export interface SimRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  handle(ctx: RouteContext): RouteResponse | Promise<RouteResponse>;
}
