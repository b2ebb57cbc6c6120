import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { maskEmail } from '../common/crypto';
import { backoffMs } from '../common/time';
import { DatabaseService } from '../database/database.service';
import { MessageRow } from '../database/schema';
import { MetricsService } from '../health/metrics.service';
import { KommoClient } from '../kommo/kommo.client';
import { KommoError } from '../kommo/kommo.errors';
import { KommoContact, KommoLead } from '../kommo/kommo.types';
import { KommoWritesService, NoteWrite, TagWrite } from '../kommo/kommo-writes.service';
import { POSTMARK_BATCH_SIZE, PostmarkClient, SendOutcome, TemplatedEmail } from '../postmark/postmark.client';
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
        (await this.kommo.getLeadsWithContacts(pending.map((row) => Number(row.lead_id)))).map((lead) => [
          lead.id,
          lead,
        ]),
      );
      const contactIds = [...leads.values()].map(mainContactId).filter((id): id is number => id !== null);
      contacts = new Map((await this.kommo.getContacts(contactIds)).map((contact) => [contact.id, contact]));
    } catch (error) {
      await this.postpone(pending, error);
      return;
    }

    const prepared: Prepared[] = [];
    const notes: NoteWrite[] = [];
    for (const row of pending) {
      const ready = await this.prepare(row, leads, contacts, notes);
      if (ready) prepared.push(ready);
    }

    for (let start = 0; start < prepared.length; start += POSTMARK_BATCH_SIZE) {
      const batch = prepared.slice(start, start + POSTMARK_BATCH_SIZE);
      // Marked before the call: if we die or time out mid-call, the next try looks it up first.
      await this.messages.updateMany(
        batch.map((item) => item.row.id),
        { status: 'sending', send_started_at: Date.now() },
      );
      const outcomes = await this.postmark.sendBatch(batch.map((item) => item.email));
      await this.record(batch, outcomes, notes);
    }
    await this.writes.addNotes(notes);
  }

  /** Rows whose earlier send may have reached Postmark: sent if Postmark has them, else retried. */
  private async settleAmbiguous(rows: MessageRow[]): Promise<MessageRow[]> {
    const retry: MessageRow[] = [];
    for (const row of rows) {
      try {
        const found = await this.postmark.findBySendId(row.id);
        if (found) {
          await this.messages.update(row.id, {
            status: 'sent',
            postmark_message_id: found,
            sent_at: Date.now(),
            lease_until: null,
          });
          await this.writes.addNotes([this.note(row, 'sent', { email: row.recipient ?? '' })]);
          this.logger.log(`message ${row.id}: found in Postmark after an unanswered send; not re-sent`);
        } else {
          retry.push({ ...row, send_started_at: null });
        }
      } catch (error) {
        await this.retryLater(row, error instanceof Error ? error.message : String(error), false);
      }
    }

    return retry;
  }

  private async prepare(
    row: MessageRow,
    leads: Map<number, KommoLead>,
    contacts: Map<number, KommoContact>,
    notes: NoteWrite[],
  ): Promise<Prepared | undefined> {
    const lead = leads.get(Number(row.lead_id));
    if (!lead) {
      await this.fail(row, 'lead_not_found', `lead ${row.lead_id} does not exist in Kommo`);
      return undefined;
    }

    const contactId = mainContactId(lead);
    const contact = contactId === null ? undefined : contacts.get(contactId);
    if (!contact) {
      await this.fail(row, 'no_contact', 'the lead has no contact');
      notes.push(this.note(row, 'noContact'));
      return undefined;
    }

    const choices = contactEmails(contact);
    const chosen = row.recipient ? choices.find((choice) => choice.email === row.recipient) : choices[0];
    if (!chosen) {
      await this.fail(row, 'no_email', `contact ${contact.id} has no valid email address`);
      notes.push(this.note(row, 'noEmail', { contact: contact.name }));
      return undefined;
    }

    const responsible = await this.kommo.getUser(lead.responsible_user_id).catch(() => undefined);
    const model = buildTemplateModel(lead, contact, chosen.email, responsible);
    await this.messages.update(row.id, { recipient: chosen.email, contact_id: contact.id });

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

  private async record(batch: Prepared[], outcomes: SendOutcome[], notes: NoteWrite[]): Promise<void> {
    const tags: TagWrite[] = [];
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index];
      const { row, recipient } = item;
      if (outcome.ok) {
        await this.messages.update(row.id, {
          status: 'sent',
          postmark_message_id: outcome.messageId,
          sent_at: Date.now(),
          error_code: null,
          error_message: null,
          lease_until: null,
        });
        notes.push(this.note(row, 'sent', { email: recipient }));
        this.metrics.emails.inc({ outcome: 'sent', error_code: '0' });
        this.logger.log(`lead ${row.lead_id}: sent ${row.template_alias} to ${maskEmail(recipient)}`);
        continue;
      }

      await this.recordFailure(item, outcome.error, notes, tags);
    }
    await this.writes.addTags(tags);
  }

  private async recordFailure(item: Prepared, error: PostmarkError, notes: NoteWrite[], tags: TagWrite[]) {
    const { row, recipient } = item;
    const code = error.errorCode !== undefined ? String(error.errorCode) : error.kind;
    switch (error.kind) {
      case 'suppressed':
        await this.finish(row, 'suppressed', code, error.message);
        notes.push(this.note(row, 'suppressed', { email: recipient }));
        tags.push({
          contactId: item.contactId,
          tag: this.config.TAG_BOUNCED,
          dedupeKey: `tag:${item.contactId}:${this.config.TAG_BOUNCED}`,
        });
        return;
      case 'recipient':
        await this.finish(row, 'failed', code, error.message);
        notes.push(this.note(row, 'badAddress', { email: recipient }));
        return;
      case 'configuration':
      case 'permanent':
        this.reportOnce(row, error);
        await this.finish(row, 'failed', code, error.message);
        notes.push(this.note(row, 'failed', { email: recipient, reason: error.message }));
        return;
      case 'transient':
      case 'ambiguous':
        if (row.attempts + 1 >= this.config.SEND_MAX_ATTEMPTS) {
          await this.finish(row, 'failed', code, `gave up after ${row.attempts + 1} attempts: ${error.message}`);
          notes.push(this.note(row, 'failed', { email: recipient, reason: error.message }));
          return;
        }
        await this.retryLater(row, error.message, error.kind === 'ambiguous');
    }
  }

  private async finish(row: MessageRow, status: 'failed' | 'suppressed', code: string, message: string) {
    await this.messages.update(row.id, {
      status,
      error_code: code,
      error_message: message.slice(0, 1000),
      attempts: row.attempts + 1,
      lease_until: null,
    });
    this.metrics.emails.inc({ outcome: status, error_code: code });
    this.logger.warn(`lead ${row.lead_id}: ${row.template_alias} ${status} (${code}): ${message}`);
  }

  private async fail(row: MessageRow, code: string, message: string): Promise<void> {
    await this.finish(row, 'failed', code, message);
  }

  private async retryLater(row: MessageRow, reason: string, mayHaveBeenSent: boolean): Promise<void> {
    const attempts = row.attempts + 1;
    await this.messages.update(row.id, {
      status: 'queued',
      attempts,
      // Keep the mark only when Postmark may have the message; then the next try looks first.
      send_started_at: mayHaveBeenSent ? (row.send_started_at ?? Date.now()) : null,
      next_attempt_at: Date.now() + backoffMs(attempts, this.config.RETRY_BASE_MS),
      lease_until: null,
      error_message: reason.slice(0, 1000),
    });
  }

  /** Kommo could not be read: nothing was sent, so the rows wait without using up attempts. */
  private async postpone(rows: MessageRow[], error: unknown): Promise<void> {
    const failure = error instanceof KommoError ? error : new KommoError('transient', String(error));
    const delay = failure.kind === 'blocked' ? 60_000 : backoffMs(2, this.config.RETRY_BASE_MS);
    this.logger.warn(`${rows.length} email(s) postponed: ${failure.message}`);
    await this.messages.updateMany(
      rows.map((row) => row.id),
      { status: 'queued', next_attempt_at: Date.now() + delay, lease_until: null, error_message: failure.message },
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

  private note(row: MessageRow, key: NoteKey, vars: Record<string, string> = {}): NoteWrite {
    return {
      leadId: Number(row.lead_id),
      text: noteText(this.config.NOTES_LOCALE, key, { template: row.template_alias, ...vars }),
      type: 'common',
      dedupeKey: `note:${row.id}:${key}`,
    };
  }
}
