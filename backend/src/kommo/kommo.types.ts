/** The parts of Kommo's API v4 shapes we read. */
export interface KommoCustomFieldValue {
  value: string | number | boolean | null;
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

export interface KommoLead {
  id: number;
  name: string;
  price: number | null;
  responsible_user_id: number;
  status_id: number;
  pipeline_id: number;
  updated_at: number;
  closed_at?: number | null;
  custom_fields_values: KommoCustomField[] | null;
  _embedded?: {
    contacts?: Array<{ id: number; is_main: boolean }>;
    tags?: Array<{ id: number; name: string }>;
  };
}

export interface KommoContact {
  id: number;
  name: string;
  first_name?: string;
  last_name?: string;
  updated_at: number;
  custom_fields_values: KommoCustomField[] | null;
  _embedded?: { leads?: Array<{ id: number }>; tags?: Array<{ id: number; name: string }> };
}

export interface KommoUser {
  id: number;
  name: string;
  email: string;
}

export interface KommoPipelineRaw {
  id: number;
  name: string;
  _embedded: { statuses: Array<{ id: number; name: string; sort?: number }> };
}

export type NoteType = 'common' | 'service_message' | 'extended_service_message';

export interface NoteInput {
  leadId: number;
  text: string;
  type?: NoteType;
}

export interface KommoWebhookInfo {
  id: number;
  destination: string;
  settings: string[];
  disabled: boolean;
}
