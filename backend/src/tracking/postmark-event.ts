import { withoutNul } from '../database/text';
import { MessageStatus } from '@kp/shared';

/** A Postmark event webhook, normalized at the edge. */
export interface DeliveryEvent {
  recordType: 'Delivery' | 'Bounce' | 'SpamComplaint' | 'Open' | 'Click' | 'SubscriptionChange';
  postmarkMessageId: string;
  sendId: string | null;
  recipient: string | null;
  occurredAt: number;
  /** Bounce type, link clicked, suppression reason… shown in the timeline. */
  detail: string | null;
  /** What this event means for the message; null when it doesn't move the status. */
  status: MessageStatus | null;
  hardBounce: boolean;
  suppressSending: boolean;
  suppressionReason: string | null;
  /** Bounce ids are int64: kept as text so no digit is lost. */
  bounceId: string | null;
  isTest: boolean;
}

const RECORD_TYPES = [
  'Delivery',
  'Bounce',
  'SpamComplaint',
  'Open',
  'Click',
  'SubscriptionChange',
] as const;

// Bounce types that mean the address will not work; the rest are soft (delays, full boxes, auto-replies).
const HARD_BOUNCES = new Set([
  'HardBounce',
  'BadEmailAddress',
  'ManuallyDeactivated',
  'Unknown',
  'SpamNotification',
]);

export class EventFormatError extends Error {}

/**
 * Parses the raw body. Bounce `ID` does not fit a JS number, so integers under "ID" are
 * turned into strings before JSON.parse sees them.
 */
export function parsePostmarkEvent(raw: string): {
  event: DeliveryEvent;
  payload: Record<string, unknown>;
} {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(raw.replace(/("ID"\s*:\s*)(-?\d+)/g, '$1"$2"')) as Record<string, unknown>;
  } catch {
    throw new EventFormatError('body is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new EventFormatError('body is not an object');
  }

  const recordType = RECORD_TYPES.find((type) => type === payload.RecordType);
  if (!recordType) throw new EventFormatError(`unknown RecordType ${String(payload.RecordType)}`);
  const postmarkMessageId = withoutNul(String(payload.MessageID ?? '')).toLowerCase();
  if (!postmarkMessageId) throw new EventFormatError('no MessageID');

  const metadata = (payload.Metadata ?? {}) as Record<string, unknown>;
  const type = typeof payload.Type === 'string' ? payload.Type : null;
  const hardBounce =
    recordType === 'Bounce' && (HARD_BOUNCES.has(type ?? '') || payload.Inactive === true);
  const time = payload.DeliveredAt ?? payload.BouncedAt ?? payload.ReceivedAt ?? payload.ChangedAt;
  const occurredAt = Date.parse(String(time ?? ''));

  return {
    payload,
    event: {
      recordType,
      postmarkMessageId,
      sendId: typeof metadata.send_id === 'string' ? withoutNul(metadata.send_id) : null,
      recipient: String(payload.Recipient ?? payload.Email ?? '') || null,
      occurredAt: Number.isNaN(occurredAt) ? Date.now() : occurredAt,
      detail: detailOf(recordType, payload),
      status: statusOf(recordType, hardBounce),
      hardBounce,
      suppressSending: payload.SuppressSending === true,
      suppressionReason:
        typeof payload.SuppressionReason === 'string' ? payload.SuppressionReason : null,
      bounceId: typeof payload.ID === 'string' ? payload.ID : null,
      isTest: /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(postmarkMessageId),
    },
  };
}

export function statusOf(
  recordType: DeliveryEvent['recordType'],
  hardBounce: boolean,
): MessageStatus | null {
  switch (recordType) {
    case 'Delivery':
      return 'delivered';
    case 'Open':
      return 'opened';
    case 'Click':
      return 'clicked';
    case 'SpamComplaint':
      return 'complained';
    case 'Bounce':
      return hardBounce ? 'bounced' : null;
    case 'SubscriptionChange':
      return null;
  }
}

function detailOf(
  recordType: DeliveryEvent['recordType'],
  payload: Record<string, unknown>,
): string | null {
  const parts: unknown[] =
    recordType === 'Bounce'
      ? [payload.Type, payload.Details || payload.Description]
      : recordType === 'Click'
        ? [payload.OriginalLink]
        : recordType === 'SubscriptionChange'
          ? [payload.SuppressSending ? 'suppressed' : 'reactivated', payload.SuppressionReason]
          : recordType === 'Delivery'
            ? [payload.Details]
            : [payload.Platform, (payload.Client as { Name?: string } | undefined)?.Name];
  const text = withoutNul(parts.filter(Boolean).map(String).join(': '));

  return text ? text.slice(0, 500) : null;
}
