import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { maskEmail } from '../common/crypto';
import { DatabaseService } from '../database/database.service';
import { InboundRow } from '../database/schema';
import { withoutNul } from '../database/text';
import { KommoClient } from '../kommo/kommo.client';
import { KommoWritesService, NOTE_MAX_CHARS } from '../kommo/kommo-writes.service';
import { MessagesRepository } from '../sending/messages.repository';
import { noteText } from '../sending/notes';
import { contactEmails, normalizeEmail } from '../sending/recipient';
import { ReplyToken } from '../sending/reply-token';
import {
  formatSize,
  headerValue,
  InboundAttachment,
  InboundPayload,
  isAutoReply,
  referencedMessageIds,
  isObject,
  replyText,
  toInboundPayload,
} from './reply-text';
import { KommoError } from '../kommo/kommo.errors';

export type MatchedBy = 'token' | 'in_reply_to' | 'references' | 'sender';

interface Match {
  leadId: number;
  messageId: string | null;
  by: MatchedBy;
}

// Closed stages exist in every pipeline: won and lost.
const CLOSED_STATUSES = new Set([142, 143]);
// Leave room in the note for the header lines and the attachment list.
const REPLY_TEXT_LIMIT = NOTE_MAX_CHARS - 2000;

/**
 * Client replies: stored raw first, then matched to a lead and written as a note. A reply
 * that matches nothing stays stored as unmatched until someone assigns it.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  private readonly replyToken: ReplyToken;

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
    private readonly kommo: KommoClient,
    private readonly writes: KommoWritesService,
  ) {
    this.replyToken = new ReplyToken(config.APP_SECRET);
  }

  /** Stores the raw body; `duplicate` when this Postmark message was stored before. */
  async store(raw: string): Promise<{ id: number; duplicate: boolean }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    // Only a JSON object can be a reply; anything else is kept as invalid.
    const valid = isObject(parsed);
    const payload = valid ? toInboundPayload(parsed) : undefined;
    // Something without Postmark's id still gets stored under a hash of its bytes.
    const postmarkId =
      (valid && typeof payload?.MessageID === 'string' && payload.MessageID) ||
      `sha256:${createHash('sha256').update(raw).digest('hex')}`;

    const fromEmail = valid ? normalizeEmail(payload?.FromFull?.Email ?? payload?.From) : null;
    const subject = valid && typeof payload?.Subject === 'string' ? payload.Subject : null;

    // Valid JSON cannot carry a raw U+0000, only `\u0000` escapes: the raw text is safe as
    // it is, while the fields taken out of it, and bytes that are not JSON, are not.
    const inserted = await this.database.db
      .insertInto('inbound_messages')
      .values({
        postmark_message_id: withoutNul(postmarkId),
        received_at: Date.now(),
        raw: valid ? raw : withoutNul(raw),
        status: valid ? 'received' : 'invalid',
        from_email: fromEmail ? withoutNul(fromEmail) : null,
        subject: subject === null ? null : withoutNul(subject),
        error: valid ? null : 'body is not JSON',
      })
      .onConflict((conflict) => conflict.column('postmark_message_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: Number(inserted.id), duplicate: false };

    const existing = await this.database.db
      .selectFrom('inbound_messages')
      .select('id')
      .where('postmark_message_id', '=', withoutNul(postmarkId))
      .executeTakeFirstOrThrow();

    return { id: Number(existing.id), duplicate: true };
  }

  /** Matches and notes one stored reply. Safe to call again: the note is keyed to the reply. */
  async process(id: number): Promise<InboundRow | undefined> {
    const row = await this.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || row.status !== 'received') return row;

    const payload = toInboundPayload(JSON.parse(row.raw));
    try {
      const match = await this.correlate(payload);
      if (!match) {
        await this.setStatus(id, { status: 'unmatched', processed_at: Date.now() });
        this.logger.warn(
          `reply from ${maskEmail(row.from_email)} matched no lead; kept as unmatched #${id}`,
        );
        return this.get(id);
      }

      await this.writeNote(row, payload, match.leadId);
      await this.setStatus(id, {
        status: 'matched',
        lead_id: match.leadId,
        message_id: match.messageId,
        matched_by: match.by,
        processed_at: Date.now(),
      });
      this.logger.log(
        `reply from ${maskEmail(row.from_email)} matched lead ${match.leadId} by ${match.by}`,
      );
    } catch (error) {
      if (error instanceof KommoError && (error.kind === 'transient' || error.kind === 'blocked')) {
        // Kommo unreachable while looking up the sender: it stays 'received' for a later pass.
        this.logger.warn(`reply #${id}: matching postponed: ${error.message}`);
        return row;
      }
      // Anything else will fail the same way next time: keep the reply, say why, move on.
      const reason = error instanceof Error ? error.message : String(error);
      await this.setStatus(id, {
        status: 'failed',
        error: reason.slice(0, 1000),
        processed_at: Date.now(),
      });
      this.logger.error(`reply #${id} could not be processed and is kept as failed: ${reason}`);
    }

    return this.get(id);
  }

  /** Assigns an unmatched reply to a lead by hand and writes its note. */
  async assign(id: number, leadId: number): Promise<InboundRow | undefined> {
    const row = await this.get(id);
    if (!row || row.status === 'invalid') return undefined;

    await this.writeNote(row, toInboundPayload(JSON.parse(row.raw)), leadId);
    await this.setStatus(id, {
      status: 'matched',
      lead_id: leadId,
      matched_by: 'manual',
      processed_at: Date.now(),
    });

    return this.get(id);
  }

  /** Replies stored but not processed (we died, or Kommo was down): picked up by the worker. */
  async processPending(): Promise<number> {
    const rows = await this.database.db
      .selectFrom('inbound_messages')
      .select('id')
      .where('status', '=', 'received')
      .where('received_at', '<', Date.now() - 5_000)
      .orderBy('id')
      .limit(50)
      .execute();
    for (const row of rows) await this.process(Number(row.id));

    return 0;
  }

  listUnmatched(limit = 100, afterId = 0) {
    return this.database.db
      .selectFrom('inbound_messages')
      .select(['id', 'postmark_message_id', 'received_at', 'from_email', 'subject', 'status'])
      .where('status', '=', 'unmatched')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  get(id: number): Promise<InboundRow | undefined> {
    return this.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  private async correlate(payload: InboundPayload): Promise<Match | null> {
    for (const hash of mailboxHashes(payload)) {
      const messageId = this.replyToken.verify(hash);
      const message = messageId ? await this.messages.find(messageId) : undefined;
      if (message) return { leadId: Number(message.lead_id), messageId: message.id, by: 'token' };
    }

    for (const [header, by] of [
      ['In-Reply-To', 'in_reply_to'],
      ['References', 'references'],
    ] as const) {
      for (const postmarkId of referencedMessageIds(headerValue(payload, header))) {
        const message = await this.messages.findByPostmarkId(postmarkId);
        if (message) return { leadId: Number(message.lead_id), messageId: message.id, by };
      }
    }

    // A lead-id header is deliberately not trusted: anyone can write to the inbound address,
    // and our outgoing emails cannot make a header come back in the reply.
    const sender = normalizeEmail(payload.FromFull?.Email ?? payload.From);
    if (!sender) return null;
    const leadId = await this.leadForSender(sender);

    return leadId ? { leadId, messageId: null, by: 'sender' } : null;
  }

  /** The lead we last emailed this address from, else the contact's most recently updated open lead. */
  private async leadForSender(sender: string): Promise<number | null> {
    const contacts = (await this.kommo.findContacts(sender)).filter((contact) =>
      contactEmails(contact).some((choice) => choice.email === sender),
    );
    if (contacts.length === 0) return null;

    const emailed = await this.messages.lastLeadEmailed(sender);
    const leadIds = contacts.flatMap((contact) =>
      (contact._embedded?.leads ?? []).map((lead) => lead.id),
    );
    if (emailed && leadIds.includes(emailed)) return emailed;
    if (leadIds.length === 0) return emailed ?? null;

    const leads = await this.kommo.getLeadsWithContacts(leadIds);
    const open = leads
      .filter((lead) => !CLOSED_STATUSES.has(lead.status_id))
      .sort((a, b) => b.updated_at - a.updated_at);

    return open[0]?.id ?? emailed ?? null;
  }

  private async writeNote(row: InboundRow, payload: InboundPayload, leadId: number): Promise<void> {
    const locale = this.config.NOTES_LOCALE;
    const fromName = payload.FromFull?.Name || payload.FromName;
    const fromEmail = (payload.FromFull?.Email ?? payload.From ?? '').trim();
    const from = fromName ? `${fromName} <${fromEmail}>` : fromEmail;
    const attachments = payload.Attachments ?? [];

    let text = replyText(payload);
    if (text.length > REPLY_TEXT_LIMIT) {
      // Cut between code points: an emoji is kept whole or left out, never halved.
      const high = /[\uD800-\uDBFF]/.test(text[REPLY_TEXT_LIMIT - 1]);
      const end = high ? REPLY_TEXT_LIMIT - 1 : REPLY_TEXT_LIMIT;
      const marker = noteText(locale, 'truncated', { count: [...text.slice(end)].length });
      text = `${text.slice(0, end)}\n${marker}`;
    }
    if (!text) text = noteText(locale, 'noText', { count: attachments.length });

    const parts = [
      noteText(locale, isAutoReply(payload) ? 'autoReply' : 'reply', {
        from,
        subject: payload.Subject ?? '',
      }),
      text,
    ];
    if (attachments.length > 0) {
      const list = attachments.map(
        (file) => `${file.Name ?? 'file'} (${formatSize(sizeOf(file))})`,
      );
      parts.push(noteText(locale, 'attachments', { list: list.join(', ') }));
    }

    // Keyed to reply and lead: a retry writes nothing new, assigning it elsewhere notes it there.
    await this.writes.addNotes([
      {
        leadId,
        text: parts.join('\n\n'),
        type: 'common',
        dedupeKey: `reply:${row.postmark_message_id}:${leadId}`,
      },
    ]);
  }

  private async setStatus(id: number, changes: Partial<InboundRow>): Promise<void> {
    await this.database.db
      .updateTable('inbound_messages')
      .set(changes)
      .where('id', '=', id)
      .execute();
  }
}

/** Postmark's ContentLength, else what the base64 content decodes to. */
function sizeOf(file: InboundAttachment): number {
  if (typeof file.ContentLength === 'number') return file.ContentLength;
  const content = file.Content?.replace(/\s/g, '') ?? '';
  const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;

  return Math.max(0, Math.floor((content.length * 3) / 4) - padding);
}

function mailboxHashes(payload: InboundPayload): string[] {
  const hashes = [payload.MailboxHash, ...(payload.ToFull ?? []).map((to) => to.MailboxHash)];
  const plus = /\+([^@\s>]+)@/.exec(payload.OriginalRecipient ?? '');
  if (plus) hashes.push(plus[1]);

  return [...new Set(hashes.filter((hash): hash is string => Boolean(hash && hash.trim())))];
}
