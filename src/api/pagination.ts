/**
 * Cursor pagination for lists that can grow long (users, sessions, bans, fingerprints).
 * The cursor is the sort key of the last item returned, so a page stays correct while items are
 * added or removed between requests (an offset would skip or repeat items).
 * Without `limit` the first DEFAULT_LIMIT items come back: scripts written for the original, which
 * returned whole arrays, keep working for any realistic list, and `next_cursor` says if there is more.
 */
export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 1000;
const MAX_CURSOR_LEN = 1024;
const BAD_CURSOR = 'querystring/cursor is not a cursor this server issued';

export interface PageQuery {
  /** Decimal text from the query string. */
  limit?: string;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class PageQueryError extends Error {}

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (cursor.length > MAX_CURSOR_LEN || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new PageQueryError(BAD_CURSOR);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new PageQueryError(BAD_CURSOR);
  }
  const k = (parsed as { k?: unknown } | null)?.k;
  if (typeof k !== 'string') throw new PageQueryError(BAD_CURSOR);
  return k;
}

/** Sorts by `key` (byte order of the strings) and returns the page after the cursor. */
export function paginate<T>(items: readonly T[], key: (item: T) => string, query: PageQuery): Page<T> {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new PageQueryError(`querystring/limit must be an integer from 1 to ${MAX_LIMIT}`);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const sorted = items.map((item) => ({ item, k: key(item) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((e) => e.k > after);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map((e) => e.item), next_cursor: rest.length > limit && last ? encodeCursor(last.k) : null };
}
