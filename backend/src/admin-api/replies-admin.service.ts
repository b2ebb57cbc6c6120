import { Injectable, Logger } from '@nestjs/common';
import { ApiException } from '../common/api-error.filter';
import { InboundRow } from '../database/schema';
import { InboundService } from '../inbound/inbound.service';
import { KommoClient } from '../kommo/kommo.client';
import { SendWorker } from '../sending/send-worker.service';
import { decodeCursor, Page, toPage } from './cursor';
import { ReplyView } from './dto/replies.dto';

const DEFAULT_LIMIT = 50;

type ReplySummary = Pick<InboundRow, 'id' | 'status' | 'received_at' | 'from_email' | 'subject'> &
  Partial<Pick<InboundRow, 'lead_id' | 'matched_by'>>;

/** Replies nobody could match to a lead, and handing them to one by hand. */
@Injectable()
export class RepliesAdminService {
  private readonly logger = new Logger(RepliesAdminService.name);

  constructor(
    private readonly inbound: InboundService,
    private readonly kommo: KommoClient,
    private readonly worker: SendWorker,
  ) {}

  async listUnmatched(cursor?: string, limit = DEFAULT_LIMIT): Promise<Page<ReplyView>> {
    const afterId = cursor === undefined ? 0 : Number(decodeCursor(cursor, /^\d{1,15}$/));
    const rows = await this.inbound.listUnmatched(limit + 1, afterId);

    return toPage(rows, limit, (row) => Number(row.id), toView);
  }

  /** Queues the reply as a note on the lead and marks it matched. */
  async assign(id: number, leadId: number): Promise<ReplyView> {
    const reply = await this.inbound.get(id);
    if (!reply) throw new ApiException(404, 'reply_not_found', `No reply ${id}`);
    if (reply.status === 'matched') {
      throw new ApiException(
        409,
        'already_matched',
        `Reply ${id} already belongs to lead ${reply.lead_id}`,
      );
    }
    if (reply.status === 'invalid') {
      throw new ApiException(
        409,
        'reply_invalid',
        `Reply ${id} was not readable JSON; nothing to note`,
      );
    }

    const [lead] = await this.kommo.getLeadsWithContacts([leadId]);
    if (!lead) {
      throw new ApiException(422, 'unknown_reference', `Kommo has no lead ${leadId}`, {
        leadId: `Kommo has no lead ${leadId}`,
      });
    }

    const assigned = await this.inbound.assign(id, leadId);
    if (!assigned) throw new ApiException(404, 'reply_not_found', `No reply ${id}`);
    this.worker.kick();
    this.logger.log(`reply #${id} assigned to lead ${leadId} by hand`);

    return toView(assigned);
  }
}

function toView(row: ReplySummary): ReplyView {
  return {
    id: Number(row.id),
    status: row.status,
    receivedAt: new Date(Number(row.received_at)).toISOString(),
    from: row.from_email,
    subject: row.subject,
    leadId: row.lead_id === undefined || row.lead_id === null ? null : Number(row.lead_id),
    matchedBy: row.matched_by ?? null,
  };
}
