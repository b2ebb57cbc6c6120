import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { monotonicFactory } from 'ulid';
import { claimDue } from '../database/claim';
import { DatabaseService } from '../database/database.service';
import { MessageRow, MessageUpdate } from '../database/schema';
import { MESSAGE_STATUSES, MessageStatus, STATUS_RANK } from '@kp/shared';

const ulid = monotonicFactory();

/** One value for every row, or a CASE on the id when they differ. */
function valuesOf(
  rows: Array<{ id: string; changes: MessageUpdate }>,
  column: keyof MessageUpdate,
) {
  const values = rows.map((row) => row.changes[column] ?? null);
  if (values.every((value) => value === values[0])) return sql`${values[0]}`;

  // PostgreSQL types a CASE from its branches: numbers must say they are numbers.
  const typed = (value: unknown) =>
    value === null
      ? sql`null`
      : typeof value === 'number'
        ? sql`cast(${value} as bigint)`
        : sql`${value}`;
  const branches = rows.map((row, index) => sql`when ${row.id} then ${typed(values[index])}`);

  return sql`case id ${sql.join(branches, sql` `)} end`;
}

export interface NewOutgoing {
  account: string;
  leadId: number;
  ruleId: number | null;
  templateAlias: string;
  source: 'stage' | 'widget' | 'admin';
  dedupeKey: string;
  recipient?: string | null;
}

/** The outbox: one row per email we intend to send, and later its fate. */
@Injectable()
export class MessagesRepository {
  constructor(private readonly database: DatabaseService) {}

  private get db() {
    return this.database.db;
  }

  newId(): string {
    return `m_${ulid()}`;
  }

  /**
   * Queues messages; a dedupe key seen before is skipped, which is what makes a re-delivered
   * webhook harmless. Returns the rows that were new.
   */
  async enqueue(items: NewOutgoing[], db = this.db): Promise<string[]> {
    if (items.length === 0) return [];

    const now = Date.now();
    const rows = items.map((item) => ({
      id: this.newId(),
      account: item.account,
      lead_id: item.leadId,
      rule_id: item.ruleId,
      template_alias: item.templateAlias,
      source: item.source,
      dedupe_key: item.dedupeKey,
      status: 'queued',
      recipient: item.recipient ?? null,
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    }));
    const inserted: string[] = [];
    // Chunks keep us under SQLite's bound-parameter limit for mass moves.
    for (let start = 0; start < rows.length; start += 200) {
      const result = await db
        .insertInto('messages')
        .values(rows.slice(start, start + 200))
        .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
        .returning('id')
        .execute();
      inserted.push(...result.map((row) => row.id));
    }

    return inserted;
  }

  claim(owner: string, limit: number, leaseMs: number): Promise<MessageRow[]> {
    return claimDue(this.db, this.database.isPostgres, 'messages', ['queued', 'sending'], {
      owner,
      limit,
      leaseMs,
    }) as unknown as Promise<MessageRow[]>;
  }

  async update(id: string, changes: MessageUpdate, db = this.db): Promise<void> {
    await db
      .updateTable('messages')
      .set({ ...changes, updated_at: Date.now() })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Several rows, each with its own changes, in a few statements: rows that change the same
   * columns share one UPDATE, with a CASE for the columns whose values differ. One statement per
   * row would hold SQLite's only connection long enough to delay incoming webhooks.
   */
  async updateEach(updates: Array<{ id: string; changes: MessageUpdate }>, db = this.db) {
    const groups = new Map<string, Array<{ id: string; changes: MessageUpdate }>>();
    for (const update of updates) {
      const columns = Object.keys(update.changes).sort().join(',');
      groups.set(columns, [...(groups.get(columns) ?? []), update]);
    }

    const now = Date.now();
    for (const group of groups.values()) {
      for (let start = 0; start < group.length; start += 200) {
        const rows = group.slice(start, start + 200);
        const columns = Object.keys(rows[0].changes) as Array<keyof MessageUpdate>;
        const assignments = columns.map(
          (column) => sql`${sql.ref(column)} = ${valuesOf(rows, column)}`,
        );
        const ids = sql.join(rows.map((row) => row.id));
        await sql`update messages set ${sql.join([...assignments, sql`updated_at = ${now}`])}
                   where id in (${ids})`.execute(db);
      }
    }
  }

  /** Pushes the lease forward on rows this owner still holds; finished rows have none. */
  async extendLease(ids: string[], owner: string, leaseMs: number): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      await this.db
        .updateTable('messages')
        .set({ lease_until: Date.now() + leaseMs })
        .where('id', 'in', ids.slice(start, start + 500))
        .where('lease_owner', '=', owner)
        .where('lease_until', 'is not', null)
        .execute();
    }
  }

  async updateMany(ids: string[], changes: MessageUpdate, db = this.db): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      await db
        .updateTable('messages')
        .set({ ...changes, updated_at: Date.now() })
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
    }
  }

  /**
   * Moves a message forward only (a late Delivery never undoes an Open or a Bounce), in one
   * conditional update so two events racing on PostgreSQL cannot leave the lesser status.
   */
  async advance(id: string, status: MessageStatus, db = this.db): Promise<boolean> {
    const behind = MESSAGE_STATUSES.filter((other) => STATUS_RANK[other] < STATUS_RANK[status]);
    const result = await db
      .updateTable('messages')
      .set({ status, updated_at: Date.now() })
      .where('id', '=', id)
      .where('status', 'in', behind)
      .executeTakeFirst();

    return Number(result.numUpdatedRows) > 0;
  }

  find(id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByDedupeKey(key: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('dedupe_key', '=', key)
      .executeTakeFirst();
  }

  findByPostmarkId(postmarkId: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('postmark_message_id', '=', postmarkId)
      .executeTakeFirst();
  }

  /** The lead we last emailed at this address, for replies that carry nothing else. */
  async lastLeadEmailed(email: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select('lead_id')
      .where('recipient', '=', email)
      .where('postmark_message_id', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();

    return row ? Number(row.lead_id) : undefined;
  }

  listForLead(leadId: number, limit = 50): Promise<MessageRow[]> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
