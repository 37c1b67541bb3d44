import { DatabricksApiError } from './databricks-api-error.js';

/** One page as the pager needs it: the items and the token for the next page (absent on the last). */
export interface Page<T> {
  items: readonly T[];
  nextPageToken?: string | undefined;
}

/** A hard stop against a server that never stops paging; far above any real workspace. */
export const MAX_PAGES = 10_000;

/**
 * Walks a token-paginated listing, yielding items as pages arrive. Stops at the last page, and fails with
 * INVALID_RESPONSE when the server hands back a token it already gave (a loop) or pages forever. With
 * `keyOf`, an item already yielded is skipped: offset-style tokens shift when a new run or job appears
 * mid-listing, so the same item can arrive on two pages.
 */
export async function* paginate<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
  where: { method: string; path: string },
  keyOf?: (item: T) => string | number,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  const yielded = new Set<string | number>();
  let token: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES) throw loopError(where, `more than ${MAX_PAGES} pages`);
    const page = await fetchPage(token);
    for (const item of page.items) {
      if (keyOf) {
        const key = keyOf(item);
        if (yielded.has(key)) continue;
        yielded.add(key);
      }
      yield item;
    }
    const next = page.nextPageToken;
    if (next === undefined || next === '') return;
    if (seen.has(next)) throw loopError(where, 'the same next_page_token twice');
    seen.add(next);
    token = next;
  }
}

/** Fails a paging loop the same way `paginate` does, for pagers that cannot use it. */
export function loopError(where: { method: string; path: string }, what: string): DatabricksApiError {
  return new DatabricksApiError({
    reason: 'INVALID_RESPONSE',
    message: `pagination did not end: the workspace returned ${what}`,
    status: 200,
    method: where.method,
    path: where.path,
  });
}

/** Drains an async iterable into an array (for callers that want everything at once). */
export async function collect<T>(items: AsyncIterable<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}
