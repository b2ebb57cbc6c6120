import { KommoContact, KommoCustomField, KommoLead, KommoUser } from '../kommo/kommo.types';

/**
 * The model every template gets: flat keys for simple templates, plus the lead, contact
 * and responsible user as objects for richer ones ({{lead.custom_fields.source}}).
 */
export function buildTemplateModel(
  lead: KommoLead,
  contact: KommoContact | null,
  email: string | null,
  responsible: KommoUser | undefined,
): Record<string, unknown> {
  const clientName =
    contact?.name?.trim() || [contact?.first_name, contact?.last_name].filter(Boolean).join(' ');

  return {
    client_name: clientName,
    deal_id: lead.id,
    deal_name: lead.name,
    amount: lead.price ?? 0,
    lead: {
      id: lead.id,
      name: lead.name,
      price: lead.price ?? 0,
      status_id: lead.status_id,
      pipeline_id: lead.pipeline_id,
      tags: (lead._embedded?.tags ?? []).map((tag) => tag.name),
      custom_fields: fieldsByName(lead.custom_fields_values),
    },
    contact: contact
      ? {
          id: contact.id,
          name: clientName,
          first_name: contact.first_name ?? '',
          last_name: contact.last_name ?? '',
          email: email ?? '',
          custom_fields: fieldsByName(contact.custom_fields_values),
        }
      : {},
    responsible: responsible
      ? { id: responsible.id, name: responsible.name, email: responsible.email }
      : { id: lead.responsible_user_id },
  };
}

/** Custom fields keyed by a template-friendly name: "Source" → source, "Check-in date" → check_in_date. */
function fieldsByName(fields: KommoCustomField[] | null): Record<string, string> {
  const result: Record<string, string> = {};
  for (const field of fields ?? []) {
    const key = (field.field_code ?? field.field_name)
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}]+/gu, '_')
      .replace(/^_+|_+$/g, '');
    if (!key) continue;
    result[key] = field.values.map((value) => String(value.value ?? '')).join(', ');
  }

  return result;
}
