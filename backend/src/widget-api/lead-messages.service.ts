import { Injectable } from '@nestjs/common';
import { LeadMessageDto, MessageEventDto, MessageStatus } from '@kp/shared';
import { DatabaseService } from '../database/database.service';
import { MessageRow } from '../database/schema';
import { MessagesRepository } from '../sending/messages.repository';

/** How many of a lead's emails the sidebar shows. */
const LIST_LIMIT = 50;

/**
 * Postmark's record types named by the status they stand for, so the widget can label them
 * in the reader's language. A soft bounce is labelled bounced too; its detail names the type.
 */
const EVENT_TYPES: Record<string, string> = {
  Delivery: 'delivered',
  Open: 'opened',
  Click: 'clicked',
  Bounce: 'bounced',
  SpamComplaint: 'complained',
};

/** A lead's emails, newest first, each with the events Postmark reported for it. */
@Injectable()
export class LeadMessagesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
  ) {}

  async forLead(leadId: number): Promise<LeadMessageDto[]> {
    const rows = await this.messages.listForLead(leadId, LIST_LIMIT);
    const events = await this.eventsOf(rows.map((row) => row.id));

    return rows.map((row) => toMessageDto(row, events.get(row.id) ?? []));
  }

  async one(row: MessageRow): Promise<LeadMessageDto> {
    const events = await this.eventsOf([row.id]);

    return toMessageDto(row, events.get(row.id) ?? []);
  }

  private async eventsOf(messageIds: string[]): Promise<Map<string, MessageEventDto[]>> {
    const byMessage = new Map<string, MessageEventDto[]>();
    if (messageIds.length === 0) return byMessage;

    const rows = await this.database.db
      .selectFrom('message_events')
      .select(['message_id', 'record_type', 'detail', 'occurred_at'])
      .where('message_id', 'in', messageIds)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();

    for (const row of rows) {
      const list = byMessage.get(row.message_id!) ?? [];

      list.push({
        type: EVENT_TYPES[row.record_type] ?? row.record_type,
        detail: row.detail,
        occurredAt: new Date(Number(row.occurred_at)).toISOString(),
      });
      byMessage.set(row.message_id!, list);
    }

    return byMessage;
  }
}

export function toMessageDto(row: MessageRow, events: MessageEventDto[]): LeadMessageDto {
  return {
    id: row.id,
    leadId: Number(row.lead_id),
    templateAlias: row.template_alias,
    recipient: row.recipient,
    status: row.status as MessageStatus,
    error: row.error_message,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    sentAt: row.sent_at === null ? null : new Date(Number(row.sent_at)).toISOString(),
    events,
  };
}
