import type {
  ContactSeed,
  KommoContact,
  KommoCustomField,
  KommoLead,
  LeadSeed,
} from './kommo.types';

export const ACCOUNT_ID = 30127781;
export const DEFAULT_USER_ID = 8123401;
export const SALES_PIPELINE_ID = 7711001;

export const STAGES = [
  { id: 61822001, name: 'Incoming', sort: 10, color: '#99ccff', type: 0, is_editable: true },
  { id: 61822002, name: 'Qualified', sort: 20, color: '#ffff99', type: 0, is_editable: true },
  { id: 61822003, name: 'Proposal sent', sort: 30, color: '#ffcc66', type: 0, is_editable: true },
  { id: 142, name: 'Closed - won', sort: 10000, color: '#CCFF66', type: 0, is_editable: false },
  { id: 143, name: 'Closed - lost', sort: 11000, color: '#D5D8DB', type: 0, is_editable: false },
];

const EMAIL_ENUM_IDS: Record<string, number> = { WORK: 440109, PRIV: 440111, OTHER: 440113 };

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Kommo's EMAIL multitext field holding one address. */
export function emailField(email: string, enumCode = 'WORK'): KommoCustomField {
  return {
    field_id: 660103,
    field_name: 'Email',
    field_code: 'EMAIL',
    field_type: 'multitext',
    values: [{ value: email, enum_id: EMAIL_ENUM_IDS[enumCode] ?? null, enum_code: enumCode }],
  };
}

/** A complete lead from a partial one, on top of what is already stored under that id. */
export function buildLead(seed: LeadSeed, existing: KommoLead | undefined): KommoLead {
  const now = nowSeconds();
  const { _embedded, ...fields } = structuredClone(seed) as LeadSeed & { _links?: unknown };
  delete (fields as { _links?: unknown })._links;

  const base: KommoLead = existing ?? {
    id: seed.id,
    name: `Lead ${seed.id}`,
    price: 0,
    responsible_user_id: DEFAULT_USER_ID,
    group_id: 0,
    status_id: STAGES[0].id,
    pipeline_id: SALES_PIPELINE_ID,
    loss_reason_id: null,
    created_by: DEFAULT_USER_ID,
    updated_by: DEFAULT_USER_ID,
    created_at: now,
    updated_at: now,
    closed_at: null,
    closest_task_at: null,
    is_deleted: false,
    custom_fields_values: null,
    score: null,
    account_id: ACCOUNT_ID,
    labor_cost: null,
    _embedded: { tags: [], companies: [], contacts: [] },
  };

  const contacts = (_embedded?.contacts ?? base._embedded.contacts).map((link) => ({
    id: link.id,
    is_main: link.is_main,
  }));

  return {
    ...base,
    ...fields,
    _embedded: {
      tags: _embedded?.tags ?? base._embedded.tags,
      companies: _embedded?.companies ?? base._embedded.companies,
      contacts,
    },
  };
}

/** A complete contact from a partial one, on top of what is already stored under that id. */
export function buildContact(seed: ContactSeed, existing: KommoContact | undefined): KommoContact {
  const now = nowSeconds();
  const { _embedded, email, is_main, ...fields } = structuredClone(seed) as ContactSeed & {
    _links?: unknown;
  };
  delete (fields as { _links?: unknown })._links;

  const name = fields.name ?? existing?.name ?? `Contact ${seed.id}`;
  const [firstName, ...rest] = name.split(' ');

  const base: KommoContact = existing ?? {
    id: seed.id,
    name,
    first_name: firstName,
    last_name: rest.join(' '),
    responsible_user_id: DEFAULT_USER_ID,
    group_id: 0,
    created_by: DEFAULT_USER_ID,
    updated_by: DEFAULT_USER_ID,
    created_at: now,
    updated_at: now,
    closest_task_at: null,
    is_deleted: false,
    is_unsorted: false,
    account_id: ACCOUNT_ID,
    custom_fields_values: null,
    _embedded: { tags: [], companies: [] },
  };

  const contact: KommoContact = {
    ...base,
    ...fields,
    _embedded: {
      tags: _embedded?.tags ?? base._embedded.tags,
      companies: _embedded?.companies ?? base._embedded.companies,
    },
  };

  if (email !== undefined) {
    const others = (contact.custom_fields_values ?? []).filter((f) => f.field_code !== 'EMAIL');
    contact.custom_fields_values = [...others, emailField(email)];
  }

  return contact;
}
