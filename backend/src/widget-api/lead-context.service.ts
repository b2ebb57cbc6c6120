import { Injectable } from '@nestjs/common';
import { LeadRecipientsResponse, RecipientOption } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { KommoClient } from '../kommo/kommo.client';
import { KommoContact, KommoLead } from '../kommo/kommo.types';
import { contactEmails, mainContactId } from '../sending/recipient';
import { buildTemplateModel } from '../sending/template-model';

export interface LeadContext {
  lead: KommoLead;
  contact: KommoContact | null;
  recipients: RecipientOption[];
  problem: LeadRecipientsResponse['problem'];
}

/**
 * A lead as the widget needs it: its main contact's addresses and the template model the
 * worker would build. Only the main contact is offered because the send worker resolves
 * the recipient among the main contact's addresses.
 *
 * TODO(lead-model): replace with the shared LeadModelService (sending/lead-model.service.ts)
 * once it lands; this private copy keeps the widget working until then.
 */
@Injectable()
export class LeadContextService {
  constructor(private readonly kommo: KommoClient) {}

  async load(leadId: number): Promise<LeadContext> {
    const [lead] = await this.kommo.getLeadsWithContacts([leadId]);

    if (!lead) {
      throw new ApiException(
        404,
        'lead_not_found',
        `Lead ${leadId} was not found in Kommo: it may have been deleted.`,
      );
    }

    const contactId = mainContactId(lead);
    const [contact] = contactId === null ? [] : await this.kommo.getContacts([contactId]);
    const recipients = contact ? toRecipients(contact) : [];
    const problem = !contact ? 'no_contact' : recipients.length === 0 ? 'no_email' : null;

    return { lead, contact: contact ?? null, recipients, problem };
  }

  /** The model the worker sends with, for the default recipient. */
  async model(context: LeadContext): Promise<Record<string, unknown>> {
    const { lead, contact, recipients } = context;
    const responsible = await this.kommo.getUser(lead.responsible_user_id).catch(() => undefined);
    const email = recipients.find((recipient) => recipient.isDefault)?.email ?? null;

    return buildTemplateModel(lead, contact, email, responsible);
  }
}

function toRecipients(contact: KommoContact): RecipientOption[] {
  const contactName =
    contact.name?.trim() || [contact.first_name, contact.last_name].filter(Boolean).join(' ');

  // contactEmails puts WORK first: the address the worker picks when none is chosen.
  return contactEmails(contact).map((choice, index) => ({
    contactId: contact.id,
    contactName,
    email: choice.email,
    kind: choice.kind,
    isDefault: index === 0,
  }));
}
