// The list endpoints' one way to page: `limit` (1-100, default 100) and
// `starting_after` (the id of the last item seen), answered as
// {"data": [...], "has_more": bool}. Keyset pages: the repository reads one
// row more than the page, which tells whether another page follows.
import { validationError } from './validation';

export const MAX_PAGE_SIZE = 100;

export interface PageQuery {
  limit?: string | undefined;
  starting_after?: string | undefined;
}

export interface Cursor {
  /** What an id of this list looks like; anything else cannot be a cursor. */
  pattern: RegExp;
  /** The 422's reason for a cursor that names nothing in this account. */
  unknown: string;
  /** Whether the id names an item of this account (asked only when a page after it is empty). */
  exists(id: string): Promise<boolean>;
}

/**
 * One page: `read(after, n)` returns up to n rows after the cursor, newest
 * first. An empty page after a cursor is the end of the list, or a cursor
 * that is not the account's (422 naming starting_after).
 */
export async function readPage<T>(
  query: PageQuery,
  cursor: Cursor,
  read: (after: string | undefined, n: number) => Promise<T[]>,
): Promise<{ rows: T[]; hasMore: boolean }> {
  const limit = query.limit === undefined ? MAX_PAGE_SIZE : Number(query.limit);
  const after = query.starting_after;
  const unknownCursor = () => validationError({ starting_after: [cursor.unknown] });
  if (after !== undefined && !cursor.pattern.test(after)) throw unknownCursor();
  const rows = await read(after, limit + 1);
  if (rows.length === 0 && after !== undefined && !(await cursor.exists(after))) throw unknownCursor();
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** The list answer's body. */
export const pageBody = <T>(data: T[], hasMore: boolean) => ({ data, has_more: hasMore });
