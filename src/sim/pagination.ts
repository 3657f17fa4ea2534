import type { World } from './world.js';

/** Page tokens are opaque to callers; they carry the listing's "as of" instant so pages stay consistent. */
interface Cursor {
  op: string;
  asOf: number;
  offset: number;
}

export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeToken(token: string, op: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (c.op === op && typeof c.asOf === 'number' && typeof c.offset === 'number' && c.offset >= 0) {
      return { op, asOf: c.asOf, offset: c.offset };
    }
  } catch {
    // fall through: any unreadable token is invalid
  }
  return undefined;
}

export interface PageRequest {
  maxResults?: number | undefined;
  nextToken?: string | undefined;
}

/** Where a listing starts and as of when, validating the token like the service would. */
export function openPage(
  world: World,
  op: string,
  req: PageRequest,
  min = 1,
  max = 1000,
): Cursor & { size: number } {
  if (
    req.maxResults !== undefined &&
    (!Number.isInteger(req.maxResults) || req.maxResults < min || req.maxResults > max)
  ) {
    throw world.fieldError('maxResults', `must be an integer between ${min} and ${max}`);
  }
  const size = req.maxResults ?? world.scenario.pageSize;
  if (req.nextToken === undefined || req.nextToken === '') return { op, asOf: world.now, offset: 0, size };
  const cursor = decodeToken(req.nextToken, op);
  if (!cursor) throw world.fieldError('nextToken', 'invalid or expired pagination token');
  return { ...cursor, size };
}

export function slicePage<T>(
  items: readonly T[],
  cursor: Cursor & { size: number },
): { page: T[]; nextToken?: string } {
  const { start, end, nextToken } = pageBounds(items.length, cursor);
  const page = items.slice(start, end);
  return nextToken ? { page, nextToken } : { page };
}

/** The page of a listing of `length` items, by position: for listings built item by item. */
export function pageBounds(
  length: number,
  cursor: Cursor & { size: number },
): { start: number; end: number; nextToken?: string } {
  const start = Math.min(cursor.offset, length);
  const end = Math.min(length, cursor.offset + cursor.size);
  return end < length
    ? { start, end, nextToken: encodeToken({ op: cursor.op, asOf: cursor.asOf, offset: end }) }
    : { start, end };
}
