import { Injectable } from '@nestjs/common';
import { RecipientOption } from '@kp/shared';
import { KommoClient } from '../kommo/kommo.client';
import { KommoContact, KommoLead } from '../kommo/kommo.types';
import { contactEmails, mainContactId, normalizeEmail } from './recipient';
import { buildTemplateModel } from './template-model';

export type LeadProblem = 'no_contact' | 'no_email';

export interface LeadModel {
  lead: KommoLead;
  /** The lead's main contact, the only one the worker sends to. */
  contact: KommoContact | null;
  /** The template model the worker would send for this lead and address. */
  model: Record<string, unknown>;
  /** Every usable address of the main contact, the default one first. */
  recipients: RecipientOption[];
  /** The address the model was built for: the one asked for, else the default. */
  recipient: string | null;
  problem: LeadProblem | null;
}

/**
 * Reads a lead, its main contact and responsible user from Kommo and builds what a send to
 * that lead would use: the template model and the addresses to choose from. Previews and
 * hand sends use it so they show exactly what the worker will send.
 */
@Injectable()
export class LeadModelService {
  constructor(private readonly kommo: KommoClient) {}

  /**
   * Undefined when Kommo has no such lead. With `email`, the model is built for that address
   * when it belongs to the main contact; `recipient` stays null when it does not.
   */
  async modelForLead(leadId: number, email?: string): Promise<LeadModel | undefined> {
    const [lead] = await this.kommo.getLeadsWithContacts([leadId]);
    if (!lead) return undefined;

    const contactId = mainContactId(lead);
    const [contact] = contactId === null ? [] : await this.kommo.getContacts([contactId]);
    const choices = contact ? contactEmails(contact) : [];
    const recipients = choices.map((choice, index) => ({
      contactId: contact!.id,
      contactName: contact!.name,
      email: choice.email,
      kind: choice.kind,
      isDefault: index === 0,
    }));

    const wanted = email === undefined ? choices[0]?.email : normalizeEmail(email);
    const recipient = choices.find((choice) => choice.email === wanted)?.email ?? null;
    const responsible = await this.kommo.getUser(lead.responsible_user_id).catch(() => undefined);
    const model = buildTemplateModel(lead, contact ?? null, recipient, responsible);

    return {
      lead,
      contact: contact ?? null,
      model,
      recipients,
      recipient,
      problem: !contact ? 'no_contact' : choices.length === 0 ? 'no_email' : null,
    };
  }
}
