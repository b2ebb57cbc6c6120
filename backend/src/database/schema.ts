import { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Times are epoch milliseconds and flags are 0/1 integers, so one set of queries reads the
 * same on SQLite and PostgreSQL.
 */
export interface StageRulesTable {
  id: Generated<number>;
  pipeline_id: number;
  status_id: number;
  template_alias: string;
  enabled: number;
  resend_policy: string;
  note: string | null;
  created_at: number;
  updated_at: number;
}

export interface KommoWebhooksTable {
  id: Generated<number>;
  received_at: number;
  content_type: string | null;
  body: string;
  outcome: string;
  detail: string | null;
}

export interface MessagesTable {
  id: string;
  account: string;
  lead_id: number;
  rule_id: number | null;
  template_alias: string;
  source: string;
  dedupe_key: string;
  status: string;
  recipient: string | null;
  contact_id: number | null;
  postmark_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  send_started_at: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

export interface MessageEventsTable {
  id: Generated<number>;
  message_id: string | null;
  postmark_message_id: string | null;
  record_type: string;
  detail: string | null;
  occurred_at: number;
  dedupe_key: string;
  payload: string;
  received_at: number;
}

export interface KommoOutboxTable {
  id: Generated<number>;
  account: string;
  kind: string;
  entity_id: number;
  payload: string;
  dedupe_key: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  done_at: number | null;
}

export interface InboundMessagesTable {
  id: Generated<number>;
  postmark_message_id: string;
  received_at: number;
  raw: string;
  status: string;
  from_email: string | null;
  subject: string | null;
  lead_id: number | null;
  message_id: string | null;
  matched_by: string | null;
  processed_at: number | null;
  error: string | null;
}

export interface KommoTokensTable {
  account: string;
  access_token: string;
  refresh_token: string;
  expires_at: number;
  updated_at: number;
}

export interface ServiceStateTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface Database {
  stage_rules: StageRulesTable;
  kommo_webhooks: KommoWebhooksTable;
  messages: MessagesTable;
  message_events: MessageEventsTable;
  kommo_outbox: KommoOutboxTable;
  inbound_messages: InboundMessagesTable;
  kommo_tokens: KommoTokensTable;
  service_state: ServiceStateTable;
}

export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;
export type StageRuleRow = Selectable<StageRulesTable>;
export type OutboxRow = Selectable<KommoOutboxTable>;
export type InboundRow = Selectable<InboundMessagesTable>;
export type EventRow = Selectable<MessageEventsTable>;
