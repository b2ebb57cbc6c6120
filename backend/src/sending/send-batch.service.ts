import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { maskEmail } from '../common/crypto';
import { backoffMs } from '../common/time';
import { DatabaseService } from '../database/database.service';
import { MessageRow, MessageUpdate } from '../database/schema';
import { MetricsService } from '../health/metrics.service';
import { KommoClient } from '../kommo/kommo.client';
import { KommoError } from '../kommo/kommo.errors';
import { KommoContact, KommoLead } from '../kommo/kommo.types';
import { KommoWritesService, NoteWrite, TagWrite } from '../kommo/kommo-writes.service';
import {
  POSTMARK_BATCH_SIZE,
  PostmarkClient,
  SendOutcome,
  TemplatedEmail,
} from '../postmark/postmark.client';
import { PostmarkError } from '../postmark/postmark.errors';
import { MessagesRepository } from './messages.repository';
import { NoteKey, noteText } from './notes';
import { contactEmails, mainContactId } from './recipient';
import { ReplyToken } from './reply-token';
import { buildTemplateModel } from './template-model';

interface Prepared {
  row: MessageRow;
  email: TemplatedEmail;
  recipient: string;
  contactId: number;
}

/** Rows per transaction when outcomes are written; see commit(). */
const COMMIT_CHUNK = 50;

interface RowOutcome {
  changes: MessageUpdate;
  notes: NoteWrite[];
  tags: TagWrite[];
}

/**
 * What one step decided, row by row: the row's new state and the notes and tags it calls for.
 * A row's state and its notes are committed together, so a crash never leaves a sent email
 * without its note or the reverse.
 */
class Outcomes {
  readonly rows = new Map<string, RowOutcome>();
  /** One retry time per attempt count: rows that failed together are retried together. */
  readonly retryAt = new Map<number, number>();

  change(id: string, changes: MessageUpdate): void {
    const entry = this.entry(id);
    entry.changes = { ...entry.changes, ...changes };
  }

  addNote(id: string, note: NoteWrite): void {
    this.entry(id).notes.push(note);
  }

  addTag(id: string, tag: TagWrite): void {
    this.entry(id).tags.push(tag);
  }

  private entry(id: string): RowOutcome {
    let entry = this.rows.get(id);
    if (!entry) {
      entry = { changes: {}, notes: [], tags: [] };
      this.rows.set(id, entry);
    }

    return entry;
  }
}

/** Lets queued I/O, such as incoming webhooks, run before the next chunk of work. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Sends one claimed batch of outbox rows: reads their leads and contacts from Kommo in
 * pages, sends through Postmark's batch endpoint, records each outcome and queues the
 * notes and tags. Every row leaves with a final state or a later retry time.
 */
@Injectable()
export class SendBatchService {
  private readonly logger = new Logger(SendBatchService.name);
  private readonly replyToken: ReplyToken;
  /** Configuration problems already reported, so an operator sees one error per cause. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
    private readonly kommo: KommoClient,
    private readonly postmark: PostmarkClient,
    private readonly writes: KommoWritesService,
    private readonly metrics: MetricsService,
  ) {
    this.replyToken = new ReplyToken(config.APP_SECRET);
  }

  async process(rows: MessageRow[]): Promise<void> {
    const fresh = await this.settleAmbiguous(rows.filter((row) => row.send_started_at !== null));
    const pending = rows.filter((row) => row.send_started_at === null).concat(fresh);
    if (pending.length === 0) return;

    let leads: Map<number, KommoLead>;
    let contacts: Map<number, KommoContact>;
    try {
      leads = new Map(
        (await this.kommo.getLeadsWithContacts(pending.map((row) => Number(row.lead_id)))).map(
          (lead) => [lead.id, lead],
        ),
      );
      const contactIds = [...leads.values()]
        .map(mainContactId)
        .filter((id): id is number => id !== null);
      contacts = new Map(
        (await this.kommo.getContacts(contactIds)).map((contact) => [contact.id, contact]),
      );
    } catch (error) {
      if (error instanceof KommoError && error.kind === 'permanent') {
        await this.isolateRejected(pending, error);
        return;
      }
      await this.postpone(pending, error);
      return;
    }

    const prepared: Prepared[] = [];
    const unsendable = new Outcomes();
    for (const [index, row] of pending.entries()) {
      if (index > 0 && index % COMMIT_CHUNK === 0) await yieldToEventLoop();
      const ready = await this.prepare(row, leads, contacts, unsendable);
      if (ready) prepared.push(ready);
    }
    await this.commit(unsendable);

    for (let start = 0; start < prepared.length; start += POSTMARK_BATCH_SIZE) {
      const batch = prepared.slice(start, start + POSTMARK_BATCH_SIZE);
      // Marked before the call: if we die or time out mid-call, the next try looks it up first.
      const marks = new Outcomes();
      const startedAt = Date.now();
      for (const { row, recipient, contactId } of batch) {
        const changes = { send_started_at: startedAt, recipient, contact_id: contactId };
        marks.change(row.id, { status: 'sending', ...changes });
      }
      await this.commit(marks);

      const outcomes = await this.postmark.sendBatch(batch.map((item) => item.email));
      for (let from = 0; from < batch.length; from += COMMIT_CHUNK) {
        const to = from + COMMIT_CHUNK;
        await this.commit(this.record(batch.slice(from, to), outcomes.slice(from, to)));
      }
    }
  }

  /**
   * Rows whose earlier send may have reached Postmark: sent if Postmark has them, else sent
   * again (or given up once out of attempts). A failed lookup leaves the mark for next time.
   */
  private async settleAmbiguous(rows: MessageRow[]): Promise<MessageRow[]> {
    const retry: MessageRow[] = [];
    const settled = new Outcomes();
    for (const row of rows) {
      let found: string | undefined;
      try {
        found = await this.postmark.findBySendId(row.id);
      } catch (error) {
        this.retryLater(settled, row, error instanceof Error ? error.message : String(error), true);
        continue;
      }

      if (found) {
        const changes = { status: 'sent', postmark_message_id: found, sent_at: Date.now() };
        settled.change(row.id, { ...changes, lease_until: null });
        settled.addNote(row.id, this.note(row, 'sent', { email: row.recipient ?? '' }));
        this.metrics.emails.inc({ outcome: 'sent', error_code: '0' });
        this.logger.log(`message ${row.id}: Postmark has it from an unanswered send; not re-sent`);
      } else if (row.attempts >= this.config.SEND_MAX_ATTEMPTS) {
        const reason = `Postmark did not answer after ${row.attempts} attempts`;
        this.finish(settled, row, 'failed', 'ambiguous', reason, row.attempts);
        settled.addNote(row.id, this.failedNote(row, row.recipient ?? '', reason));
      } else {
        retry.push({ ...row, send_started_at: null });
      }
    }
    await this.commit(settled);

    return retry;
  }

  private async prepare(
    row: MessageRow,
    leads: Map<number, KommoLead>,
    contacts: Map<number, KommoContact>,
    unsendable: Outcomes,
  ): Promise<Prepared | undefined> {
    const lead = leads.get(Number(row.lead_id));
    if (!lead) {
      const reason = `lead ${row.lead_id} does not exist in Kommo`;
      this.finish(unsendable, row, 'failed', 'lead_not_found', reason);
      return undefined;
    }

    const contactId = mainContactId(lead);
    const contact = contactId === null ? undefined : contacts.get(contactId);
    if (!contact) {
      this.finish(unsendable, row, 'failed', 'no_contact', 'the lead has no contact');
      unsendable.addNote(row.id, this.note(row, 'noContact'));
      return undefined;
    }

    const choices = contactEmails(contact);
    const chosen = row.recipient
      ? choices.find((choice) => choice.email === row.recipient)
      : choices[0];
    if (!chosen) {
      const reason = `contact ${contact.id} has no valid email address`;
      this.finish(unsendable, row, 'failed', 'no_email', reason);
      unsendable.addNote(row.id, this.note(row, 'noEmail', { contact: contact.name }));
      return undefined;
    }

    const responsible = await this.kommo.getUser(lead.responsible_user_id).catch(() => undefined);
    const model = buildTemplateModel(lead, contact, chosen.email, responsible);

    return {
      row: { ...row, recipient: chosen.email, contact_id: contact.id },
      recipient: chosen.email,
      contactId: contact.id,
      email: {
        TemplateAlias: row.template_alias,
        TemplateModel: model,
        From: this.config.POSTMARK_FROM,
        // A bare address: a display name with a comma would split the recipient list.
        To: chosen.email,
        ReplyTo: this.replyToken.replyAddress(this.config.POSTMARK_INBOUND_ADDRESS, row.id),
        Tag: row.template_alias.slice(0, 1000),
        MessageStream: this.config.POSTMARK_MESSAGE_STREAM,
        TrackOpens: true,
        TrackLinks: 'HtmlAndText',
        // Within Postmark's limits: few short keys, short values. Comes back on every event.
        Metadata: { lead_id: String(row.lead_id), send_id: row.id },
      },
    };
  }

  private record(batch: Prepared[], outcomes: SendOutcome[]): Outcomes {
    const result = new Outcomes();
    const sentAt = Date.now();
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index];
      const { row, recipient } = item;
      if (outcome.ok) {
        result.change(row.id, {
          status: 'sent',
          postmark_message_id: outcome.messageId,
          sent_at: sentAt,
          error_code: null,
          error_message: null,
          lease_until: null,
        });
        result.addNote(row.id, this.note(row, 'sent', { email: recipient }));
        this.metrics.emails.inc({ outcome: 'sent', error_code: '0' });
        this.logger.log(
          `lead ${row.lead_id}: sent ${row.template_alias} to ${maskEmail(recipient)}`,
        );
        continue;
      }

      this.recordFailure(result, item, outcome.error);
    }

    return result;
  }

  private recordFailure(result: Outcomes, item: Prepared, error: PostmarkError): void {
    const { row, recipient } = item;
    const code = error.errorCode !== undefined ? String(error.errorCode) : error.kind;
    switch (error.kind) {
      case 'suppressed':
        this.finish(result, row, 'suppressed', code, error.message);
        result.addNote(row.id, this.note(row, 'suppressed', { email: recipient }));
        result.addTag(row.id, {
          contactId: item.contactId,
          tag: this.config.TAG_BOUNCED,
          dedupeKey: `tag:${item.contactId}:${this.config.TAG_BOUNCED}`,
        });
        return;
      case 'recipient':
        this.finish(result, row, 'failed', code, error.message);
        result.addNote(row.id, this.note(row, 'badAddress', { email: recipient }));
        return;
      case 'configuration':
      case 'permanent':
        this.reportOnce(row, error);
        this.finish(result, row, 'failed', code, error.message);
        result.addNote(row.id, this.failedNote(row, recipient, error.message));
        return;
      case 'ambiguous':
        // Postmark may have it: never give up blind. The lookup on the next pass decides.
        this.retryLater(result, row, error.message, true);
        return;
      case 'transient':
        if (row.attempts + 1 >= this.config.SEND_MAX_ATTEMPTS) {
          const reason = `gave up after ${row.attempts + 1} attempts: ${error.message}`;
          this.finish(result, row, 'failed', code, reason);
          result.addNote(row.id, this.failedNote(row, recipient, error.message));
          return;
        }
        this.retryLater(result, row, error.message, false);
    }
  }

  private finish(
    result: Outcomes,
    row: MessageRow,
    status: 'failed' | 'suppressed',
    code: string,
    message: string,
    attempts = row.attempts + 1,
  ): void {
    result.change(row.id, {
      status,
      error_code: code,
      error_message: message.slice(0, 1000),
      attempts,
      lease_until: null,
    });
    this.metrics.emails.inc({ outcome: status, error_code: code });
    this.logger.warn(`lead ${row.lead_id}: ${row.template_alias} ${status} (${code}): ${message}`);
  }

  private retryLater(result: Outcomes, row: MessageRow, reason: string, mayHaveBeenSent: boolean) {
    const attempts = row.attempts + 1;
    if (!result.retryAt.has(attempts)) {
      result.retryAt.set(attempts, Date.now() + backoffMs(attempts, this.config.RETRY_BASE_MS));
    }
    result.change(row.id, {
      status: 'queued',
      attempts,
      // Keep the mark only when Postmark may have the message; then the next try looks first.
      send_started_at: mayHaveBeenSent ? (row.send_started_at ?? Date.now()) : null,
      next_attempt_at: result.retryAt.get(attempts),
      lease_until: null,
      error_message: reason.slice(0, 1000),
    });
  }

  /**
   * Writes outcomes a few rows per transaction, each row's state with its notes and tags.
   * SQLite has a single connection that a webhook needs too: small transactions, with a turn
   * for waiting requests in between, keep webhook answers fast while a large batch is recorded.
   */
  private async commit(outcomes: Outcomes): Promise<void> {
    const rows = [...outcomes.rows];
    for (let start = 0; start < rows.length; start += COMMIT_CHUNK) {
      const chunk = rows.slice(start, start + COMMIT_CHUNK);
      const changes = chunk.map(([id, row]) => ({ id, changes: row.changes }));
      const notes = chunk.flatMap(([, row]) => row.notes);
      const tags = chunk.flatMap(([, row]) => row.tags);
      await this.database.db.transaction().execute(async (trx) => {
        await this.messages.updateEach(changes, trx);
        await this.writes.addNotes(notes, trx);
        await this.writes.addTags(tags, trx);
      });
      await yieldToEventLoop();
    }
  }

  /** Kommo could not be read: nothing was sent, so the rows wait without using up attempts. */
  /**
   * Kommo refused to read this batch (a 400: some id it will never accept). Retrying the
   * batch would fail forever, so each row is tried alone and only the one Kommo refuses fails.
   */
  private async isolateRejected(rows: MessageRow[], error: KommoError): Promise<void> {
    if (rows.length > 1) {
      for (const row of rows) await this.process([row]);
      return;
    }

    const rejected = new Outcomes();
    this.finish(rejected, rows[0], 'failed', 'kommo_rejected', error.message);
    await this.commit(rejected);
  }

  private async postpone(rows: MessageRow[], error: unknown): Promise<void> {
    const failure =
      error instanceof KommoError ? error : new KommoError('transient', String(error));
    const delay = failure.kind === 'blocked' ? 60_000 : backoffMs(2, this.config.RETRY_BASE_MS);
    this.logger.warn(`${rows.length} email(s) postponed: ${failure.message}`);
    await this.messages.updateMany(
      rows.map((row) => row.id),
      {
        status: 'queued',
        next_attempt_at: Date.now() + delay,
        lease_until: null,
        error_message: failure.message,
      },
    );
  }

  private reportOnce(row: MessageRow, error: PostmarkError): void {
    const cause = `${error.errorCode ?? error.kind}:${error.errorCode === 1101 ? row.template_alias : ''}`;
    if (this.reported.has(cause)) return;
    this.reported.add(cause);
    this.logger.error(
      `Postmark refused ${row.template_alias} (ErrorCode ${error.errorCode ?? 'none'}): ${error.message}. ` +
        'Fix the Postmark server or the stage rule; affected emails are marked failed.',
    );
  }

  private failedNote(row: MessageRow, email: string, reason: string): NoteWrite {
    return this.note(row, 'failed', { email, reason });
  }

  private note(row: MessageRow, key: NoteKey, vars: Record<string, string> = {}): NoteWrite {
    return {
      leadId: Number(row.lead_id),
      text: noteText(this.config.NOTES_LOCALE, key, { template: row.template_alias, ...vars }),
      type: 'common',
      dedupeKey: `note:${row.id}:${key}`,
    };
  }
}
