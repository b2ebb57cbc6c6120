import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { maskEmail } from '../common/crypto';
import { DatabaseService } from '../database/database.service';
import { MessageRow } from '../database/schema';
import { withoutNul } from '../database/text';
import { MetricsService } from '../health/metrics.service';
import { KommoWritesService, NoteWrite, TagWrite } from '../kommo/kommo-writes.service';
import { PostmarkClient } from '../postmark/postmark.client';
import { MessagesRepository } from '../sending/messages.repository';
import { NoteKey, noteText } from '../sending/notes';
import { DeliveryEvent, statusOf } from './postmark-event';

export interface EventOutcome {
  stored: boolean;
  messageId: string | null;
  status: string | null;
}

/** Postmark's message-details event names, mapped to the webhook record types they stand for. */
const DETAIL_EVENTS: Record<string, DeliveryEvent['recordType']> = {
  Delivered: 'Delivery',
  Opened: 'Open',
  LinkClicked: 'Click',
  Bounced: 'Bounce',
  SpamComplaint: 'SpamComplaint',
};

// Postmark keeps message history for a limited time; past this a lookup cannot help.
// TODO(reconcile): fixed, not configurable; after an outage longer than this, older messages
// keep showing 'sent'. Safe for now: nothing is lost, their events stay in Postmark.
const RECONCILE_WINDOW_MS = 7 * 24 * 60 * 60_000;

/**
 * What happened to each email after it left: a timeline per message, a status that only
 * moves forward, and tags and notes in Kommo where a person should act.
 */
@Injectable()
export class TrackingService {
  private readonly logger = new Logger(TrackingService.name);
  private lastReconcile = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
    private readonly writes: KommoWritesService,
    private readonly postmark: PostmarkClient,
    private readonly metrics: MetricsService,
  ) {}

  async record(
    event: DeliveryEvent,
    payload: unknown,
    traceId: string | undefined,
  ): Promise<EventOutcome> {
    this.metrics.events.inc({ record_type: event.recordType });
    const message =
      (await this.messages.findByPostmarkId(event.postmarkMessageId)) ??
      (event.sendId ? await this.messages.find(event.sendId) : undefined);
    const dedupeKey = traceId
      ? `trace:${traceId}`
      : `${event.recordType}:${event.postmarkMessageId}:${event.occurredAt}:${event.detail ?? ''}`.slice(
          0,
          400,
        );

    const stored = await this.database.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('message_events')
        .values({
          message_id: message?.id ?? null,
          postmark_message_id: event.postmarkMessageId,
          record_type: event.recordType,
          detail: event.detail,
          occurred_at: event.occurredAt,
          dedupe_key: dedupeKey,
          payload: JSON.stringify(payload),
          received_at: Date.now(),
        })
        .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted || !message) return Boolean(inserted);

      if (event.status) await this.messages.advance(message.id, event.status, trx);
      const { notes, tags } = this.consequences(event, message);
      await this.writes.addNotes(notes, trx);
      await this.writes.addTags(tags, trx);

      return true;
    });

    if (!message && !event.isTest) {
      this.logger.warn(
        `${event.recordType} for unknown message ${event.postmarkMessageId}; kept, not acted on`,
      );
    } else if (stored && message) {
      this.logger.log(
        `message ${message.id}: ${event.recordType} for ${maskEmail(event.recipient)}`,
      );
    }
    const current = message ? await this.messages.find(message.id) : undefined;

    return { stored, messageId: message?.id ?? null, status: current?.status ?? null };
  }

  /**
   * Keeps a body we cannot act on (not JSON, unknown RecordType, no MessageID) as an
   * 'invalid' event, so whatever Postmark sent can still be looked at. Same bytes, one row.
   */
  async keepUnusable(raw: string, reason: string): Promise<boolean> {
    const now = Date.now();
    const inserted = await this.database.db
      .insertInto('message_events')
      .values({
        message_id: null,
        postmark_message_id: null,
        record_type: 'invalid',
        detail: reason.slice(0, 500),
        occurred_at: now,
        dedupe_key: `invalid:${createHash('sha256').update(raw).digest('hex')}`,
        payload: withoutNul(raw),
        received_at: now,
      })
      .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();

    return Boolean(inserted);
  }

  /** Catches up messages whose events never arrived, from Postmark's message details. */
  async reconcile(): Promise<number> {
    if (Date.now() - this.lastReconcile < 60_000) return 0;
    this.lastReconcile = Date.now();

    const now = Date.now();
    const after = this.config.RECONCILE_AFTER_MINUTES * 60_000;
    // Least recently looked at first, each at most once per period: a few messages that
    // never resolve (sent with the test token, history purged) cannot starve the rest.
    const stale = await this.database.db
      .selectFrom('messages')
      .selectAll()
      .where('status', '=', 'sent')
      .where('postmark_message_id', 'is not', null)
      .where('sent_at', '<', now - after)
      .where('sent_at', '>', now - RECONCILE_WINDOW_MS)
      .where('updated_at', '<', now - after)
      .orderBy('updated_at')
      .limit(50)
      .execute();
    for (const message of stale) {
      try {
        await this.reconcileOne(message);
      } catch (error) {
        this.logger.warn(`message ${message.id}: reconciliation failed: ${String(error)}`);
      }

      await this.database.db
        .updateTable('messages')
        .set({ updated_at: Date.now() })
        .where('id', '=', message.id)
        .execute();
    }

    return 0;
  }

  private async reconcileOne(message: MessageRow): Promise<void> {
    const details = await this.postmark.getMessageDetails(message.postmark_message_id!);
    for (const item of details.events) {
      const recordType = DETAIL_EVENTS[item.Type];
      if (!recordType) continue;
      const occurredAt = Date.parse(item.ReceivedAt) || Date.now();
      const bounceType = String(item.Details?.BounceType ?? item.Details?.Summary ?? '');
      const hardBounce = recordType === 'Bounce' && !/soft|transient|delay/i.test(bounceType);
      await this.record(
        {
          recordType,
          postmarkMessageId: message.postmark_message_id!,
          sendId: message.id,
          recipient: message.recipient,
          occurredAt,
          detail: bounceType || null,
          status: statusOf(recordType, hardBounce),
          hardBounce,
          suppressSending: false,
          suppressionReason: null,
          bounceId: null,
          isTest: false,
        },
        { source: 'reconciliation', ...item },
        `reconcile:${message.id}:${item.Type}:${occurredAt}`,
      );
    }
  }

  private consequences(
    event: DeliveryEvent,
    message: MessageRow,
  ): { notes: NoteWrite[]; tags: TagWrite[] } {
    const notes: NoteWrite[] = [];
    const tags: TagWrite[] = [];
    const email = event.recipient ?? message.recipient ?? '';
    const note = (key: NoteKey, vars: Record<string, string> = {}) =>
      notes.push({
        leadId: Number(message.lead_id),
        text: noteText(this.config.NOTES_LOCALE, key, {
          template: message.template_alias,
          email,
          ...vars,
        }),
        type: 'common',
        dedupeKey: `note:${message.id}:${key}`,
      });
    // Keyed to the message: a bounce and its suppression tag once, while a later email that
    // bounces again tags again (someone may have fixed the address and removed the tag).
    const tag = (name: string) => {
      if (message.contact_id) {
        const contactId = Number(message.contact_id);
        tags.push({ contactId, tag: name, dedupeKey: `tag:${message.id}:${name}` });
      }
    };

    switch (event.recordType) {
      case 'Bounce': {
        const [type, ...rest] = (event.detail ?? '').split(': ');
        note(event.hardBounce ? 'bounced' : 'softBounced', { type, details: rest.join(': ') });
        if (event.hardBounce) tag(this.config.TAG_BOUNCED);
        break;
      }
      case 'SpamComplaint':
        note('complained');
        tag(this.config.TAG_SPAM);
        break;
      case 'SubscriptionChange':
        if (!event.suppressSending) break;
        // A suppression caused by a bounce or complaint was handled by that event already.
        if (event.suppressionReason === 'HardBounce') tag(this.config.TAG_BOUNCED);
        else if (event.suppressionReason === 'SpamComplaint') tag(this.config.TAG_SPAM);
        else {
          note('unsubscribed');
          tag(this.config.TAG_UNSUBSCRIBED);
        }
        break;
      case 'Open':
        if (this.config.NOTES_ON_OPEN_CLICK) note('opened');
        break;
      case 'Click':
        if (this.config.NOTES_ON_OPEN_CLICK) note('clicked', { link: event.detail ?? '' });
        break;
      case 'Delivery':
        break;
    }

    return { notes, tags };
  }
}
