/**
 * The contract between the Kommo widget and the backend's `/widget` API, and the
 * message states both sides show. Nothing else lives here.
 */

export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'failed',
  'suppressed',
  'bounced',
  'complained',
] as const;

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** How far along a status is; a message never moves to a lower rank. */
export const STATUS_RANK: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  opened: 4,
  clicked: 5,
  // The side exits outrank every happy-path state: nothing undoes a bounce.
  failed: 10,
  suppressed: 10,
  bounced: 11,
  complained: 12,
};

export type ResendPolicy = 'once' | 'every_entry';

export interface StageRuleDto {
  id: number;
  pipelineId: number;
  statusId: number;
  templateAlias: string;
  enabled: boolean;
  resendPolicy: ResendPolicy;
  note: string | null;
}

export type StageRuleInput = Omit<StageRuleDto, 'id'>;

export interface TemplateSummary {
  alias: string;
  name: string;
  /** True when a stage rule uses this template; the widget lists these first. */
  usedByRule: boolean;
}

export interface RecipientOption {
  contactId: number;
  contactName: string;
  email: string;
  /** Kommo's enum code of the address: WORK, PRIV, OTHER… */
  kind: string;
  isDefault: boolean;
}

export interface LeadRecipientsResponse {
  leadId: number;
  recipients: RecipientOption[];
  /** Set when the lead has no contact or no usable address. */
  problem: 'no_contact' | 'no_email' | null;
}

export interface PreviewRequest {
  leadId: number;
  templateAlias: string;
}

export interface PreviewResponse {
  subject: string;
  htmlBody: string;
  textBody: string;
  /** Template variables this lead leaves empty. */
  missingVariables: string[];
  valid: boolean;
  errors: string[];
}

export interface SendRequest {
  leadId: number;
  templateAlias: string;
  /** One of the lead's addresses; the default recipient when left out. */
  email?: string;
  /** Chosen by the widget once per click, so a double click sends once. */
  requestId: string;
}

export interface MessageEventDto {
  type: string;
  detail: string | null;
  occurredAt: string;
}

export interface LeadMessageDto {
  id: string;
  leadId: number;
  templateAlias: string;
  recipient: string | null;
  status: MessageStatus;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
  events: MessageEventDto[];
}

export interface SendResponse {
  message: LeadMessageDto;
}

export interface LeadMessagesResponse {
  leadId: number;
  messages: LeadMessageDto[];
}

export interface KommoStage {
  id: number;
  name: string;
}

export interface KommoPipeline {
  id: number;
  name: string;
  stages: KommoStage[];
}

export interface WidgetRulesResponse {
  rules: StageRuleDto[];
  pipelines: KommoPipeline[];
  templates: TemplateSummary[];
}

/** The one error shape every endpoint answers with. */
export interface ApiError {
  code: string;
  message: string;
  fields?: Record<string, string>;
}
