import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { backoffMs } from '../common/time';
import { claimDue } from '../database/claim';
import { DatabaseService } from '../database/database.service';
import { OutboxRow } from '../database/schema';
import { KommoClient } from './kommo.client';
import { KommoError } from './kommo.errors';
import { NoteType } from './kommo.types';

export interface NoteWrite {
  leadId: number;
  text: string;
  type?: NoteType;
  /** Same key, same note: a retried event or webhook writes it once. */
  dedupeKey: string;
}

export interface TagWrite {
  contactId: number;
  tag: string;
  dedupeKey: string;
}

const MAX_ATTEMPTS = 20;
// Kommo keeps long notes, but the feed gets unreadable; replies are cut well before this.
export const NOTE_MAX_CHARS = 15_000;

/**
 * Notes and tags bound for Kommo, queued in the database and written in batches by the
 * worker, so an event or reply is acknowledged at once and a Kommo outage loses nothing.
 */
@Injectable()
export class KommoWritesService {
  private readonly logger = new Logger(KommoWritesService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly kommo: KommoClient,
  ) {}

  async addNotes(notes: NoteWrite[], db = this.database.db): Promise<void> {
    await this.insert(
      notes.map((note) => ({
        kind: 'note',
        entity_id: note.leadId,
        payload: JSON.stringify({
          text: note.text.slice(0, NOTE_MAX_CHARS),
          type: note.type ?? 'common',
        }),
        dedupe_key: note.dedupeKey,
      })),
      db,
    );
  }

  async addTags(tags: TagWrite[], db = this.database.db): Promise<void> {
    await this.insert(
      tags.map((tag) => ({
        kind: 'tag',
        entity_id: tag.contactId,
        payload: JSON.stringify({ tag: tag.tag }),
        dedupe_key: tag.dedupeKey,
      })),
      db,
    );
  }

  /** Writes what is due; returns how many rows were handled. */
  async flush(owner: string, limit = 500): Promise<number> {
    if (this.kommo.isBlocked()) return 0;

    const rows = (await claimDue(
      this.database.db,
      this.database.isPostgres,
      'kommo_outbox',
      ['pending'],
      {
        owner,
        limit,
        leaseMs: 5 * 60_000,
      },
    )) as unknown as OutboxRow[];
    if (rows.length === 0) return 0;

    const notes = rows.filter((row) => row.kind === 'note');
    const tags = rows.filter((row) => row.kind === 'tag');
    await this.writeNotes(notes);
    await this.writeTags(tags);

    return rows.length;
  }

  // TODO(notes-once): Kommo has no idempotency key, so a batch retried after a timeout that Kommo
  // did apply writes its notes twice. Rare and harmless next to losing a note; a check of the
  // lead's recent notes before a retry would close it.
  private async writeNotes(rows: OutboxRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += 50) {
      const batch = rows.slice(start, start + 50);
      try {
        await this.kommo.addNotes(
          batch.map((row) => {
            const payload = JSON.parse(row.payload) as { text: string; type: NoteType };
            return { leadId: Number(row.entity_id), text: payload.text, type: payload.type };
          }),
        );
        await this.markDone(batch);
      } catch (error) {
        await this.handleFailure(batch, error);
      }
    }
  }

  private async writeTags(rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;

    const byContact = new Map<number, string[]>();
    for (const row of rows) {
      const tags = byContact.get(Number(row.entity_id)) ?? [];
      tags.push((JSON.parse(row.payload) as { tag: string }).tag);
      byContact.set(Number(row.entity_id), tags);
    }
    try {
      await this.kommo.addContactTags(
        [...byContact].map(([contactId, tags]) => ({ contactId, tags: [...new Set(tags)] })),
      );
      await this.markDone(rows);
    } catch (error) {
      await this.handleFailure(rows, error);
    }
  }

  private async handleFailure(rows: OutboxRow[], error: unknown): Promise<void> {
    const failure =
      error instanceof KommoError ? error : new KommoError('transient', String(error));
    const isolatable = failure.kind === 'permanent' && rows.length > 1;
    const now = Date.now();

    for (const row of rows) {
      const attempts = row.attempts + 1;
      const giveUp = failure.kind === 'permanent' ? !isolatable : attempts >= MAX_ATTEMPTS;
      await this.database.db
        .updateTable('kommo_outbox')
        .set({
          status: giveUp ? 'failed' : 'pending',
          // A rejected batch is retried one by one so one bad item can't hold back the rest.
          attempts: failure.kind === 'blocked' ? row.attempts : attempts,
          next_attempt_at: isolatable ? now : now + backoffMs(attempts, this.config.RETRY_BASE_MS),
          lease_until: isolatable ? null : row.lease_until,
          last_error: failure.message.slice(0, 500),
        })
        .where('id', '=', row.id)
        .execute();
    }
    if (isolatable) {
      for (const row of rows) await this.retryAlone(row);
      return;
    }

    const what = rows[0].kind === 'note' ? 'notes' : 'tags';
    this.logger.warn(`${rows.length} Kommo ${what} not written yet: ${failure.message}`);
  }

  private async retryAlone(row: OutboxRow): Promise<void> {
    const [claimed] = await this.database.db
      .selectFrom('kommo_outbox')
      .selectAll()
      .where('id', '=', row.id)
      .execute();
    if (claimed.kind === 'note') await this.writeNotes([claimed]);
    else await this.writeTags([claimed]);
  }

  private async markDone(rows: OutboxRow[]): Promise<void> {
    await this.database.db
      .updateTable('kommo_outbox')
      .set({ status: 'done', done_at: Date.now(), lease_until: null })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
  }

  private async insert(
    items: Array<{ kind: string; entity_id: number; payload: string; dedupe_key: string }>,
    db = this.database.db,
  ): Promise<void> {
    if (items.length === 0) return;

    const now = Date.now();
    for (let start = 0; start < items.length; start += 200) {
      await db
        .insertInto('kommo_outbox')
        .values(
          items.slice(start, start + 200).map((item) => ({
            ...item,
            account: this.config.KOMMO_SUBDOMAIN,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
          })),
        )
        .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
        .execute();
    }
  }
}
