import { readJsonFixture } from '../common/fixtures';
import type { EventKind, MessageEvent, SentEmail } from './postmark.types';

const SAMPLES: Record<EventKind, Record<string, unknown>> = {
  Delivery: readJsonFixture('postmark/webhook-delivery.json'),
  Open: readJsonFixture('postmark/webhook-open.json'),
  Click: readJsonFixture('postmark/webhook-click.json'),
};

/** The webhook Postmark would post for this email and recipient, shaped like the samples. */
export function buildEventPayload(
  kind: EventKind,
  email: SentEmail,
  recipient: string,
  at: Date,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    ...structuredClone(SAMPLES[kind]),
    MessageStream: email.MessageStream,
    MessageID: email.MessageID,
    Recipient: recipient,
    Tag: email.Tag ?? '',
    Metadata: { ...(email.Metadata ?? {}) },
  };

  if (kind === 'Delivery') {
    payload.DeliveredAt = postmarkTimestamp(at);
  } else {
    payload.ReceivedAt = postmarkTimestamp(at);
  }

  if (kind === 'Click') {
    payload.OriginalLink = firstLink(email.htmlBody) ?? payload.OriginalLink;
  }

  return payload;
}

/** How the same event shows in GET /messages/outbound/{id}/details. */
export function toMessageEvent(kind: EventKind, payload: Record<string, unknown>): MessageEvent {
  const recipient = String(payload.Recipient);

  switch (kind) {
    case 'Delivery':
      return {
        Recipient: recipient,
        Type: 'Delivered',
        ReceivedAt: String(payload.DeliveredAt),
        Details: { DeliveryMessage: payload.Details, DestinationServer: '', DestinationIP: '' },
      };
    case 'Open':
      return {
        Recipient: recipient,
        Type: 'Opened',
        ReceivedAt: String(payload.ReceivedAt),
        Details: { Summary: 'Email opened', Platform: payload.Platform },
      };
    case 'Click':
      return {
        Recipient: recipient,
        Type: 'LinkClicked',
        ReceivedAt: String(payload.ReceivedAt),
        Details: { Summary: 'Link clicked', Link: payload.OriginalLink },
      };
  }
}

/** ISO time with the seven fraction digits Postmark writes: 2026-12-04T10:20:12.5520000Z. */
export function postmarkTimestamp(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

function firstLink(html: string): string | undefined {
  return /href="(https?:[^"]+)"/i.exec(html)?.[1];
}
