import type { FaultOptions } from '../common/fault-injector';

export interface KommoCustomFieldValue {
  value: string | number | boolean;
  enum_id?: number | null;
  enum_code?: string | null;
}

export interface KommoCustomField {
  field_id: number;
  field_name: string;
  field_code: string | null;
  field_type: string;
  values: KommoCustomFieldValue[];
}

export interface KommoTag {
  id: number;
  name: string;
  color: string | null;
}

export interface KommoContactLink {
  id: number;
  is_main: boolean;
}

export interface KommoLead {
  id: number;
  name: string;
  price: number;
  responsible_user_id: number;
  group_id: number;
  status_id: number;
  pipeline_id: number;
  loss_reason_id: number | null;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  closest_task_at: number | null;
  is_deleted: boolean;
  custom_fields_values: KommoCustomField[] | null;
  score: number | null;
  account_id: number;
  labor_cost: number | null;
  _embedded: { tags: KommoTag[]; companies: unknown[]; contacts: KommoContactLink[] };
}

export interface KommoContact {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  responsible_user_id: number;
  group_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  closest_task_at: number | null;
  is_deleted: boolean;
  is_unsorted: boolean;
  account_id: number;
  custom_fields_values: KommoCustomField[] | null;
  _embedded: { tags: KommoTag[]; companies: unknown[] };
}

export interface KommoUser {
  id: number;
  name: string;
  email: string;
  lang: string;
}

export interface KommoNote {
  id: number;
  entity_id: number;
  note_type: string;
  params: any;
  created_at: number;
}

export interface KommoWebhook {
  id: number;
  destination: string;
  settings: string[];
  disabled: boolean;
  sort: number;
  created_at: number;
  updated_at: number;
  account_id: number;
  created_by: number;
}

/** A lead to seed: any lead field, `id` required. Links in `_embedded.contacts` are kept. */
export type LeadSeed = Omit<Partial<KommoLead>, '_embedded'> & {
  id: number;
  _embedded?: Partial<KommoLead['_embedded']>;
};

/**
 * A contact to seed: any contact field, `id` required. `email` is a shortcut for a WORK email
 * field; `is_main` only matters when the contact is linked through `addLead`.
 */
export type ContactSeed = Omit<Partial<KommoContact>, '_embedded'> & {
  id: number;
  email?: string;
  is_main?: boolean;
  _embedded?: Partial<KommoContact['_embedded']>;
};

/** One stage change, as `buildStatusWebhook` turns it into a form webhook. */
export interface StatusChange {
  leadId: number;
  statusId: number;
  oldStatusId: number;
  pipelineId: number;
}

export interface KommoSimulatorOptions {
  subdomain?: string;
  /** API requests admitted in any rolling second; the next ones get 429. Default 7. */
  rateLimitPerSecond?: number;
  /** A long-lived token that is always accepted as Bearer. Default 'kommo-test-token'. */
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  faults?: FaultOptions;
  /** Load the sample leads, contacts and user. Default true. */
  seedSamples?: boolean;
}
