import { Injectable, Logger } from '@nestjs/common';
import { MessageStatus } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { EventRow, MessageRow } from '../database/schema';
import { PostmarkClient } from '../postmark/postmark.client';
import { LeadModelService } from '../sending/lead-model.service';
import { MessagesRepository } from '../sending/messages.repository';
import { SendWorker } from '../sending/send-worker.service';
import { decodeCursor, Page, toPage } from './cursor';
import { ManualSendBody, MessageDetail, MessageListQuery, MessageView } from './dto/messages.dto';

// Message ids are "m_" and a ULID: they sort by creation time, so they double as the cursor.
const MESSAGE_ID = /^m_[0-9A-Z]{26}$/;
const DEFAULT_LIMIT = 50;

/** The outbox as the operator sees it: search, one message's story, resend, send by hand. */
@Injectable()
export class MessagesAdminService {
  private readonly logger = new Logger(MessagesAdminService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
    private readonly leads: LeadModelService,
    private readonly postmark: PostmarkClient,
    private readonly worker: SendWorker,
  ) {}

  async list(query: MessageListQuery): Promise<Page<MessageView>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    let select = this.database.db.selectFrom('messages').selectAll();

    if (query.leadId !== undefined) select = select.where('lead_id', '=', query.leadId);
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.template !== undefined) select = select.where('template_alias', '=', query.template);
    if (query.from !== undefined) select = select.where('created_at', '>=', Date.parse(query.from));
    if (query.to !== undefined) select = select.where('created_at', '<', Date.parse(query.to));
    if (query.cursor !== undefined) {
      select = select.where('id', '<', decodeCursor(query.cursor, MESSAGE_ID));
    }

    const rows = await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();

    return toPage(rows, limit, (row) => row.id, toView);
  }

  async detail(id: string): Promise<MessageDetail> {
    const row = await this.messages.find(id);
    if (!row) throw messageNotFound(id);

    const events = await this.database.db
      .selectFrom('message_events')
      .selectAll()
      .where('message_id', '=', id)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();

    return { ...toView(row), events: events.map(toEventView) };
  }

  /** A new email for the same lead and template; the original stays as it was. */
  async resend(id: string, email?: string): Promise<MessageDetail> {
    const original = await this.messages.find(id);
    if (!original) throw messageNotFound(id);

    await this.assertTemplate(original.template_alias);
    const recipient =
      email === undefined ? null : await this.recipientFor(Number(original.lead_id), email);

    const prefix = `resend:${id}:`;
    const earlier = await this.database.db
      .selectFrom('messages')
      .select('dedupe_key')
      .where('dedupe_key', 'like', `${prefix}%`)
      .execute();
    let n = earlier.filter((row) => row.dedupe_key.startsWith(prefix)).length + 1;

    // Two resends at once pick the same number; the loser takes the next one.
    for (let tries = 0; tries < 5; tries += 1, n += 1) {
      const [newId] = await this.messages.enqueue([
        {
          account: this.config.KOMMO_SUBDOMAIN,
          leadId: Number(original.lead_id),
          ruleId: original.rule_id,
          templateAlias: original.template_alias,
          source: 'admin',
          dedupeKey: `${prefix}${n}`,
          recipient,
        },
      ]);
      if (newId) {
        this.worker.kick();
        this.logger.log(`lead ${original.lead_id}: message ${id} resent as ${newId}`);

        return this.detail(newId);
      }
    }

    throw new ApiException(409, 'resend_conflict', 'Too many resends at once; try again');
  }

  /** Queues one email by hand; the same requestId never queues a second one. */
  async send(body: ManualSendBody): Promise<{ created: boolean; message: MessageDetail }> {
    const dedupeKey = `manual:${body.requestId}`;
    const existing = await this.messages.findByDedupeKey(dedupeKey);
    if (existing) return { created: false, message: await this.sameRequest(existing, body) };

    await this.assertTemplate(body.templateAlias);
    const recipient = await this.recipientFor(body.leadId, body.email);

    const [newId] = await this.messages.enqueue([
      {
        account: this.config.KOMMO_SUBDOMAIN,
        leadId: body.leadId,
        ruleId: null,
        templateAlias: body.templateAlias,
        source: 'admin',
        dedupeKey,
        recipient: body.email === undefined ? null : recipient,
      },
    ]);
    if (!newId) {
      const raced = await this.messages.findByDedupeKey(dedupeKey);
      return { created: false, message: await this.sameRequest(raced!, body) };
    }

    this.worker.kick();
    this.logger.log(`lead ${body.leadId}: ${body.templateAlias} queued by hand as ${newId}`);

    return { created: true, message: await this.detail(newId) };
  }

  private async sameRequest(row: MessageRow, body: ManualSendBody): Promise<MessageDetail> {
    if (Number(row.lead_id) !== body.leadId || row.template_alias !== body.templateAlias) {
      throw new ApiException(
        409,
        'request_id_reused',
        `requestId ${body.requestId} was already used for another email`,
        { requestId: 'already used for another lead or template' },
      );
    }

    return this.detail(row.id);
  }

  private async assertTemplate(alias: string): Promise<void> {
    const templates = await this.postmark.listTemplates();
    if (templates.some((template) => template.type === 'Standard' && template.alias === alias))
      return;

    throw new ApiException(422, 'unknown_reference', `Postmark has no template "${alias}"`, {
      templateAlias: `the Postmark server has no template "${alias}"`,
    });
  }

  /** The address the email will go to; refuses leads the worker could only fail on. */
  private async recipientFor(leadId: number, email?: string): Promise<string> {
    const found = await this.leads.modelForLead(leadId, email);
    const refuse = (field: string, problem: string) =>
      new ApiException(422, 'unknown_reference', `Cannot email lead ${leadId}: ${problem}`, {
        [field]: problem,
      });

    if (!found) throw refuse('leadId', `Kommo has no lead ${leadId}`);
    if (found.problem === 'no_contact') throw refuse('leadId', 'the lead has no contact');
    if (found.problem === 'no_email')
      throw refuse('leadId', 'the main contact has no email address');
    if (!found.recipient) {
      throw refuse('email', "not one of the addresses of the lead's main contact");
    }

    return found.recipient;
  }
}

function messageNotFound(id: string): ApiException {
  return new ApiException(404, 'message_not_found', `No message ${id}`);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function toView(row: MessageRow): MessageView {
  return {
    id: row.id,
    leadId: Number(row.lead_id),
    templateAlias: row.template_alias,
    source: row.source,
    status: row.status as MessageStatus,
    recipient: row.recipient,
    ruleId: row.rule_id === null ? null : Number(row.rule_id),
    postmarkMessageId: row.postmark_message_id,
    errorCode: row.error_code,
    error: row.error_message,
    attempts: Number(row.attempts),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    sentAt: iso(row.sent_at),
  };
}

function toEventView(row: EventRow) {
  return { type: row.record_type, detail: row.detail, occurredAt: iso(row.occurred_at)! };
}
