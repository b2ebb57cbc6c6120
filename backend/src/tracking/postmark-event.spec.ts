import { sample } from '../../test/support/samples';
import { EventFormatError, parsePostmarkEvent } from './postmark-event';

describe('parsePostmarkEvent', () => {
  it('keeps the int64 bounce id exactly and marks a hard bounce', () => {
    const { event } = parsePostmarkEvent(sample('postmark/webhook-bounce.json'));

    expect(event.bounceId).toBe('5123372036854775807');
    expect(event.hardBounce).toBe(true);
    expect(event.status).toBe('bounced');
    expect(event.recipient).toBe('no.such.person@example.net');
    expect(event.sendId).toBe('m_01JEXAMPLE0002');
  });

  it.each([
    ['webhook-delivery.json', 'Delivery', 'delivered', 'marta.quiroga@example.com'],
    ['webhook-open.json', 'Open', 'opened', 'marta.quiroga@example.com'],
    ['webhook-click.json', 'Click', 'clicked', 'marta.quiroga@example.com'],
    ['webhook-spam-complaint.json', 'SpamComplaint', 'complained', 'annoyed@example.org'],
    ['webhook-subscription-change.json', 'SubscriptionChange', null, 'no.such.person@example.net'],
  ])('normalizes %s', (file, recordType, status, recipient) => {
    const { event } = parsePostmarkEvent(sample(`postmark/${file}`));

    expect(event.recordType).toBe(recordType);
    expect(event.status).toBe(status);
    expect(event.recipient).toBe(recipient);
    expect(event.occurredAt).toBeGreaterThan(Date.parse('2026-12-01'));
  });

  it('recognizes Postmark test posts and rejects what is not an event', () => {
    const test = JSON.stringify({
      RecordType: 'Delivery',
      MessageID: '00000000-0000-0000-0000-000000000000',
    });

    expect(parsePostmarkEvent(test).event.isTest).toBe(true);
    expect(() => parsePostmarkEvent('nope')).toThrow(EventFormatError);
    expect(() => parsePostmarkEvent('{"RecordType":"Inbound"}')).toThrow('unknown RecordType');
    expect(() => parsePostmarkEvent('[{"RecordType":"Delivery"}]')).toThrow('not an object');
  });

  it('keeps NUL characters out of the fields that go into database columns', () => {
    const raw = JSON.stringify({
      RecordType: 'Bounce',
      Type: 'SoftBounce',
      MessageID: 'ab\u0000cd',
      Details: 'mailbox\u0000full',
    });

    const { event } = parsePostmarkEvent(raw);

    expect(event.postmarkMessageId).toBe('ab\uFFFDcd');
    expect(event.detail).toBe('SoftBounce: mailbox\uFFFDfull');
  });
});
