import { invalidFields } from './admin-validation.pipe';

/** Admin lists page with an opaque cursor: base64url of the last item's id. */
export function encodeCursor(lastId: string | number): string {
  return Buffer.from(String(lastId), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, pattern: RegExp): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!pattern.test(id)) throw invalidFields({ cursor: 'is not a cursor this list gave out' });

  return id;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Callers fetch limit + 1 rows; the extra one only says another page exists. */
export function toPage<T, R>(
  rows: R[],
  limit: number,
  id: (row: R) => string | number,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;

  return {
    items: items.map(map),
    nextCursor: more && items.length > 0 ? encodeCursor(id(items[items.length - 1])) : null,
  };
}
