import { Injectable, Logger } from '@nestjs/common';
import { LeadMessageDto, SendRequest } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { maskEmail } from '../common/crypto';
import { AppConfig } from '../config/app-config';
import { MessageRow } from '../database/schema';
import { LeadModel, LeadModelService } from '../sending/lead-model.service';
import { MessagesRepository } from '../sending/messages.repository';
import { SendWorker } from '../sending/send-worker.service';
import { findLead } from './lead-lookup';
import { LeadMessagesService } from './lead-messages.service';
import { WidgetUser } from './widget-token';

export interface SendResult {
  message: LeadMessageDto;
  /** False when this request id had already queued the message. */
  created: boolean;
}

/**
 * A manager's Send click: checks the lead and the address, queues the email in the outbox
 * under the click's request id and wakes the worker. The same request id never queues twice,
 * so a double click or a retry after a lost answer sends one email.
 */
@Injectable()
export class WidgetSendService {
  private readonly logger = new Logger(WidgetSendService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly worker: SendWorker,
    private readonly leads: LeadModelService,
    private readonly leadMessages: LeadMessagesService,
  ) {}

  async send(request: SendRequest, user: WidgetUser): Promise<SendResult> {
    const dedupeKey = `widget:${request.requestId}`;
    const earlier = await this.messages.findByDedupeKey(dedupeKey);

    if (earlier) return { message: await this.sameRequest(earlier, request), created: false };

    const lead = await findLead(this.leads, request.leadId, request.email);
    const recipient = checkedRecipient(lead, request.email);
    const [id] = await this.messages.enqueue([
      {
        account: this.config.KOMMO_SUBDOMAIN,
        leadId: request.leadId,
        ruleId: null,
        templateAlias: request.templateAlias,
        source: 'widget',
        dedupeKey,
        recipient,
      },
    ]);

    // A twin request (a double click) won the race and queued it: answer with that one.
    if (!id) {
      const twin = await this.messages.findByDedupeKey(dedupeKey);

      return { message: await this.sameRequest(twin!, request), created: false };
    }

    this.worker.kick();
    this.logger.log(
      `lead ${request.leadId}: user ${user.userId ?? '?'} queued ${request.templateAlias} ` +
        `to ${maskEmail(recipient)} as message ${id}`,
    );

    const row = await this.messages.find(id);

    return { message: await this.leadMessages.one(row!), created: true };
  }

  private async sameRequest(row: MessageRow, request: SendRequest): Promise<LeadMessageDto> {
    const sameSend =
      Number(row.lead_id) === request.leadId && row.template_alias === request.templateAlias;

    if (!sameSend) {
      throw new ApiException(
        409,
        'request_id_reused',
        `Request id ${request.requestId} was already used for another email.`,
      );
    }

    return this.leadMessages.one(row);
  }
}

/** The address to send to: the one asked for when the lead's contact has it, else the default. */
function checkedRecipient(lead: LeadModel, wanted: string | undefined): string {
  if (lead.problem === 'no_contact') {
    throw new ApiException(422, 'no_contact', `Lead ${lead.lead.id} has no contact to email.`);
  }

  if (lead.problem === 'no_email') {
    throw new ApiException(
      422,
      'no_email',
      `The contact of lead ${lead.lead.id} has no email address.`,
    );
  }

  if (!lead.recipient) {
    throw new ApiException(
      422,
      'recipient_not_on_lead',
      `"${wanted}" is not an address of this lead's contact.`,
      { email: 'must be one of the addresses GET /widget/leads/:leadId/recipients lists' },
    );
  }

  return lead.recipient;
}
