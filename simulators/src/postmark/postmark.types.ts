import type { FaultOptions } from '../common/fault-injector';

export interface PostmarkTemplate {
  TemplateId: number;
  Name: string;
  Alias: string | null;
  Subject: string | null;
  HtmlBody: string | null;
  TextBody: string | null;
  AssociatedServerId: number;
  Active: boolean;
  TemplateType: 'Standard' | 'Layout';
  LayoutTemplate: string | null;
}

/** A template to add: any template field, with an Alias or a TemplateId. */
export type TemplateSeed = Partial<PostmarkTemplate> & ({ Alias: string } | { TemplateId: number });

export interface MessageHeader {
  Name: string;
  Value: string;
}

/** An email Postmark accepted, with what its template rendered to. */
export interface SentEmail {
  MessageID: string;
  From: string;
  To: string;
  Cc?: string;
  Bcc?: string;
  ReplyTo?: string;
  TemplateAlias: string;
  TemplateId: number;
  TemplateModel: Record<string, unknown>;
  Tag?: string;
  Metadata?: Record<string, string>;
  MessageStream: string;
  Headers?: MessageHeader[];
  TrackOpens?: boolean;
  TrackLinks?: string;
  SubmittedAt: string;
  /** Bare addresses of To, Cc and Bcc. */
  recipients: string[];
  subject: string;
  htmlBody: string;
  textBody: string;
}

export interface MessageEvent {
  Recipient: string;
  Type: string;
  ReceivedAt: string;
  Details: Record<string, unknown>;
}

export interface PostmarkError {
  ErrorCode: number;
  Message: string;
}

export type EventKind = 'Delivery' | 'Open' | 'Click';

export interface BasicAuth {
  user: string;
  password: string;
}

/** After each accepted send, post these events to `url`, `delayMs` apart, in order. */
export interface AutoEvents {
  url: string;
  auth?: BasicAuth;
  delayMs: number;
  kinds: EventKind[];
}

export interface EventDelivery {
  url: string;
  RecordType: EventKind;
  MessageID: string;
  status: number;
  error?: string;
}

export interface PostmarkFaultOptions extends FaultOptions {
  /** A 'timeout' on a send accepts the email first, then never answers: the ambiguous case. */
  ambiguousTimeouts?: boolean;
}

export interface PostmarkWebhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth?: { Username: string; Password: string };
  HttpHeaders: MessageHeader[];
  Triggers: Record<string, Record<string, boolean>>;
}

export interface PostmarkSimulatorOptions {
  /** Value expected in X-Postmark-Server-Token. Default 'postmark-test-token'. */
  serverToken?: string;
  faults?: PostmarkFaultOptions;
  /** A folder of template JSON files (template.json shape) added over the seeded ones. */
  templatesDir?: string;
  /** Message streams besides 'outbound' and 'broadcast'. */
  messageStreams?: string[];
}
