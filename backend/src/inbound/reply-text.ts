import { convert } from 'html-to-text';

export interface InboundAttachment {
  Name?: string;
  ContentType?: string;
  ContentLength?: number;
  Content?: string;
}

export interface InboundPayload {
  From?: string;
  FromName?: string;
  FromFull?: { Email?: string; Name?: string };
  To?: string;
  ToFull?: Array<{ Email?: string; MailboxHash?: string }>;
  OriginalRecipient?: string;
  MailboxHash?: string;
  Subject?: string;
  MessageID?: string;
  Date?: string;
  TextBody?: string;
  HtmlBody?: string;
  StrippedTextReply?: string;
  Headers?: Array<{ Name?: string; Value?: string }>;
  Attachments?: InboundAttachment[];
}

// Where a quoted earlier message starts, in the languages our clients write in.
const QUOTE_STARTS = [
  /^On .+wrote:\s*$/i,
  /^El .+escribió:\s*$/i,
  /^Em .+escreveu:\s*$/i,
  /^Le .+a écrit\s*:\s*$/i,
  /^.+(написал|написала|пишет)\s*\(?а?\)?:\s*$/i,
  /^-{2,}\s*(Original Message|Mensaje original|Mensagem original|Исходное сообщение)\s*-{2,}/i,
  /^From:\s.+$/i,
  /^_{10,}\s*$/,
];

/** The reply's own text: Postmark's stripped reply, else the text body without the quote, else the HTML as text. */
export function replyText(payload: InboundPayload): string {
  const stripped = payload.StrippedTextReply?.trim();
  if (stripped) return stripped;

  const text = payload.TextBody ? withoutQuote(payload.TextBody) : '';
  if (text) return text;

  if (payload.HtmlBody) {
    const fromHtml = convert(payload.HtmlBody, {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
        { selector: 'blockquote', format: 'skip' },
        { selector: 'div.gmail_quote', format: 'skip' },
      ],
    }).trim();
    if (fromHtml) return fromHtml;
  }

  return '';
}

function withoutQuote(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (line.startsWith('>') || QUOTE_STARTS.some((pattern) => pattern.test(line.trim()))) break;
    kept.push(line);
  }

  return kept.join('\n').trim();
}

/** Auto-replies (vacation notices, ticket robots) are labelled so nobody answers them. */
export function isAutoReply(payload: InboundPayload): boolean {
  const header = (name: string) =>
    payload.Headers?.find((item) => item.Name?.toLowerCase() === name)
      ?.Value?.toLowerCase()
      .trim();

  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (header('x-autoreply') || header('x-autorespond') || header('x-auto-response-suppress'))
    return true;
  const precedence = header('precedence');

  return precedence === 'auto_reply' || precedence === 'bulk' || precedence === 'junk';
}

export function headerValue(payload: InboundPayload, name: string): string | undefined {
  return payload.Headers?.find((item) => item.Name?.toLowerCase() === name.toLowerCase())?.Value;
}

/** Postmark's outbound ids named in In-Reply-To / References: `<uuid@mtasv.net>` or bare. */
export function referencedMessageIds(value: string | undefined): string[] {
  if (!value) return [];
  const ids = value.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [];

  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

export function formatSize(bytes: number | undefined): string {
  const size = bytes ?? 0;
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;

  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The inbound JSON with every field we read in the type we expect: strings as strings, lists
 * as lists. Anything else (a sender's client or a forger sending odd shapes) is dropped here,
 * so nothing deeper can trip over it.
 */
export function toInboundPayload(parsed: unknown): InboundPayload {
  const source = isObject(parsed) ? parsed : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const objects = (value: unknown) => (Array.isArray(value) ? value.filter(isObject) : []);
  const fromFull = isObject(source.FromFull) ? source.FromFull : {};

  return {
    From: text(source.From),
    FromName: text(source.FromName),
    FromFull: { Email: text(fromFull.Email), Name: text(fromFull.Name) },
    To: text(source.To),
    ToFull: objects(source.ToFull).map((to) => ({
      Email: text(to.Email),
      MailboxHash: text(to.MailboxHash),
    })),
    OriginalRecipient: text(source.OriginalRecipient),
    MailboxHash: text(source.MailboxHash),
    Subject: text(source.Subject),
    MessageID: text(source.MessageID),
    Date: text(source.Date),
    TextBody: text(source.TextBody),
    HtmlBody: text(source.HtmlBody),
    StrippedTextReply: text(source.StrippedTextReply),
    Headers: objects(source.Headers).map((header) => ({
      Name: text(header.Name),
      Value: text(header.Value),
    })),
    Attachments: objects(source.Attachments).map((file) => ({
      Name: text(file.Name),
      ContentType: text(file.ContentType),
      ContentLength: typeof file.ContentLength === 'number' ? file.ContentLength : undefined,
      Content: text(file.Content),
    })),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
