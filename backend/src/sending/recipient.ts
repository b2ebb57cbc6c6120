import { KommoContact, KommoLead } from '../kommo/kommo.types';

export interface EmailChoice {
  email: string;
  kind: string;
}

// A pragmatic check: one @, no spaces or commas, a dot in the domain. Postmark has the last word.
const EMAIL_PATTERN = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

const KIND_ORDER = ['WORK', 'PRIV', 'OTHER'];

export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();

  return EMAIL_PATTERN.test(email) ? email : null;
}

/** The main contact's id: the one marked is_main, else the first linked. */
export function mainContactId(lead: KommoLead): number | null {
  const contacts = lead._embedded?.contacts ?? [];
  const main = contacts.find((contact) => contact.is_main) ?? contacts[0];

  return main?.id ?? null;
}

/** Every usable address of a contact, WORK first, then PRIV, OTHER and the rest. */
export function contactEmails(contact: KommoContact): EmailChoice[] {
  const field = (contact.custom_fields_values ?? []).find((item) => item.field_code === 'EMAIL');
  const choices: EmailChoice[] = [];
  for (const value of field?.values ?? []) {
    const email = normalizeEmail(value.value);
    if (email && !choices.some((choice) => choice.email === email)) {
      choices.push({ email, kind: value.enum_code ?? 'OTHER' });
    }
  }

  const rank = (kind: string) => {
    const index = KIND_ORDER.indexOf(kind);
    return index === -1 ? KIND_ORDER.length : index;
  };

  return choices.sort((a, b) => rank(a.kind) - rank(b.kind));
}

/** Postmark wants bare addresses or quoted display names; commas would split the list. */
export function formatAddress(email: string, name?: string | null): string {
  const clean = name?.replace(/["\\\r\n]/g, '').trim();

  return clean ? `"${clean}" <${email}>` : email;
}
