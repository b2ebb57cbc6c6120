import { Kysely, sql } from 'kysely';
import { Database } from './schema';

type QueueTable = 'messages' | 'kommo_outbox';

/**
 * Takes a lease on up to `limit` due rows of a queue table and returns them. On PostgreSQL
 * the inner select skips rows another instance is claiming (FOR UPDATE SKIP LOCKED), so
 * several instances share one database without taking the same row; SQLite has one writer.
 * A lease that runs out (the process died) makes the row claimable again.
 */
export async function claimDue<T extends QueueTable>(
  db: Kysely<Database>,
  postgres: boolean,
  table: T,
  statuses: string[],
  options: { owner: string; limit: number; leaseMs: number; now?: number },
) {
  const now = options.now ?? Date.now();
  const lock = postgres ? sql`for update skip locked` : sql``;
  const rows = await sql<Database[T]>`
    update ${sql.table(table)}
       set lease_owner = ${options.owner}, lease_until = ${now + options.leaseMs}
     where id in (
       select id from ${sql.table(table)}
        where status in (${sql.join(statuses)})
          and next_attempt_at <= ${now}
          and (lease_until is null or lease_until < ${now})
        order by id
        limit ${options.limit}
        ${lock}
     )
     returning *`.execute(db);

  return rows.rows.sort((a, b) => compareIds(a.id, b.id));
}

/**
 * Queue order: serial ids by value, message ids (ULIDs) by character code, which is their
 * creation order. A locale "numeric" collation would read digit runs inside a ULID as numbers
 * and shuffle messages created in the same millisecond.
 */
function compareIds(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);

  return left < right ? -1 : left > right ? 1 : 0;
}
