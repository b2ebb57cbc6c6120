import { parseAddressList } from './email-addresses';
import { renderTemplate } from './mustachio';
import type { MessageHeader, PostmarkError, PostmarkTemplate, SentEmail } from './postmark.types';

const MAX_RECIPIENTS = 50;
const MAX_METADATA_KEYS = 10;
const MAX_METADATA_KEY_LENGTH = 20;
const MAX_METADATA_VALUE_LENGTH = 80;

export interface SendRules {
  findTemplate(idOrAlias: string | number): PostmarkTemplate | undefined;
  streams: Set<string>;
  inactiveRecipients: Set<string>;
}

/** A checked and rendered message, waiting for its MessageID. */
export type EmailDraft = Omit<SentEmail, 'MessageID' | 'SubmittedAt'>;

export type CheckResult = { ok: true; draft: EmailDraft } | { ok: false; error: PostmarkError };

const fail = (ErrorCode: number, Message: string): CheckResult => ({
  ok: false,
  error: { ErrorCode, Message },
});

/**
 * One `/email/withTemplate` message (or one item of a batch), checked in the order Postmark
 * reports problems, then rendered. Nothing is stored here.
 */
export function checkTemplateMessage(input: unknown, rules: SendRules): CheckResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(402, 'Received invalid JSON input.');
  }

  const message = input as Record<string, any>;
  const nullKey = Object.keys(message).find((key) => message[key] === null);
  if (nullKey) {
    return fail(402, `Invalid JSON: '${nullKey}' is null. Leave out the fields you do not set.`);
  }

  const shapeError = checkShape(message);
  if (shapeError) {
    return shapeError;
  }

  const byAlias = message.TemplateAlias !== undefined;
  const template = rules.findTemplate(byAlias ? message.TemplateAlias : message.TemplateId);
  if (!template || template.TemplateType !== 'Standard' || !template.Active) {
    const field = byAlias ? 'TemplateAlias' : 'TemplateId';

    return fail(1101, `The '${field}' associated with this request is not valid or was not found.`);
  }

  const recipients = checkRecipients(message);
  if (!recipients.ok) {
    return recipients;
  }

  const stream = message.MessageStream ?? 'outbound';
  if (!rules.streams.has(stream)) {
    return fail(1235, `The 'MessageStream' provided does not exist on this server: '${stream}'.`);
  }

  const metadataError = checkMetadata(message.Metadata);
  if (metadataError) {
    return metadataError;
  }

  const inactive = recipients.draft.recipients.filter((email) =>
    rules.inactiveRecipients.has(email.toLowerCase()),
  );
  if (inactive.length) {
    return fail(
      406,
      'You tried to send to recipient(s) that have been marked as inactive. Found inactive ' +
        `addresses: ${inactive.join(', ')}. Inactive recipients are ones that have generated a ` +
        'hard bounce, a spam complaint, or a manual suppression.',
    );
  }

  return render(message, template, stream, recipients.draft.recipients, rules);
}

function checkShape(message: Record<string, any>): CheckResult | undefined {
  if (message.TemplateAlias === undefined && message.TemplateId === undefined) {
    return fail(1101, "Provide either 'TemplateAlias' or 'TemplateId'.");
  }

  const model = message.TemplateModel;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    return fail(403, "The 'TemplateModel' field is required and must be a JSON object.");
  }

  const from = typeof message.From === 'string' ? parseAddressList(message.From) : undefined;
  if (!from?.ok || from.addresses.length !== 1) {
    return fail(300, `Invalid 'From' address: '${message.From ?? ''}'.`);
  }

  const headers = message.Headers;
  const validHeaders =
    headers === undefined ||
    (Array.isArray(headers) &&
      headers.every((h: MessageHeader) => typeof h?.Name === 'string' && h.Value !== undefined));
  if (!validHeaders) {
    return fail(403, "The 'Headers' field must be a list of {Name, Value}.");
  }

  return undefined;
}

/** On success the draft only carries `recipients`; the rest is filled in by `render`. */
function checkRecipients(
  message: Record<string, any>,
): { ok: true; draft: { recipients: string[] } } | { ok: false; error: PostmarkError } {
  const recipients: string[] = [];

  for (const field of ['To', 'Cc', 'Bcc', 'ReplyTo']) {
    const value = message[field];
    if (value === undefined && field !== 'To') {
      continue;
    }

    const parsed = typeof value === 'string' ? parseAddressList(value) : undefined;
    if (!parsed?.ok) {
      const shown = parsed && !parsed.ok ? parsed.invalid : String(value ?? '');

      const Message = `Invalid '${field}' address: '${shown}'.`;

      return { ok: false, error: { ErrorCode: 300, Message } };
    }

    if (field !== 'ReplyTo') {
      recipients.push(...parsed.addresses.map((address) => address.email));
    }
  }

  if (!recipients.length) {
    return { ok: false, error: { ErrorCode: 300, Message: 'Zero recipients specified' } };
  }

  if (recipients.length > MAX_RECIPIENTS) {
    const Message = `Invalid 'To' address: more than ${MAX_RECIPIENTS} recipients in one message.`;

    return { ok: false, error: { ErrorCode: 300, Message } };
  }

  return { ok: true, draft: { recipients } };
}

function checkMetadata(metadata: unknown): CheckResult | undefined {
  if (metadata === undefined) {
    return undefined;
  }

  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return fail(300, "The 'Metadata' field must be an object of short text values.");
  }

  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_KEYS) {
    return fail(300, `Metadata may have at most ${MAX_METADATA_KEYS} fields.`);
  }

  for (const [key, value] of entries) {
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      return fail(300, `Metadata field names cannot exceed ${MAX_METADATA_KEY_LENGTH} characters.`);
    }

    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return fail(300, `Metadata field '${key}' must be a text value.`);
    }

    if (String(value).length > MAX_METADATA_VALUE_LENGTH) {
      return fail(300, `Metadata values cannot exceed ${MAX_METADATA_VALUE_LENGTH} characters.`);
    }
  }

  return undefined;
}

function render(
  message: Record<string, any>,
  template: PostmarkTemplate,
  stream: string,
  recipients: string[],
  rules: SendRules,
): CheckResult {
  const layout = template.LayoutTemplate ? rules.findTemplate(template.LayoutTemplate) : undefined;
  const model = message.TemplateModel as Record<string, unknown>;

  let rendered: { subject: string; htmlBody: string; textBody: string };
  try {
    const html = layout?.HtmlBody ?? undefined;
    const text = layout?.TextBody ?? undefined;
    rendered = {
      subject: renderTemplate(template.Subject ?? '', model, 'text'),
      htmlBody: renderTemplate(template.HtmlBody ?? '', model, 'html', html),
      textBody: renderTemplate(template.TextBody ?? '', model, 'text', text),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);

    return fail(1123, `The template could not be rendered: ${reason}`);
  }

  const metadata = message.Metadata
    ? Object.fromEntries(Object.entries(message.Metadata).map(([k, v]) => [k, String(v)]))
    : undefined;

  const draft: EmailDraft = {
    From: message.From,
    To: message.To,
    Cc: message.Cc,
    Bcc: message.Bcc,
    ReplyTo: message.ReplyTo,
    TemplateAlias: template.Alias ?? String(template.TemplateId),
    TemplateId: template.TemplateId,
    TemplateModel: structuredClone(model),
    Tag: message.Tag,
    Metadata: metadata,
    MessageStream: stream,
    Headers: message.Headers,
    TrackOpens: message.TrackOpens,
    TrackLinks: message.TrackLinks,
    recipients,
    ...rendered,
  };

  return { ok: true, draft: dropUndefined(draft) };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
