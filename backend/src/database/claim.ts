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

  return rows.rows.sort((a, b) => String(a.id).localeCompare(String(b.id), 'en', { numeric: true }));
}
