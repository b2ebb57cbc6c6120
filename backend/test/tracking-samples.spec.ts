import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/app';
import {
  contactTags,
  eventNotesOn,
  eventsOf,
  messageByPostmarkId,
  notesOn,
  postEvent,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
} from './support/sample-emails';
import { sample, SAMPLES_DIR } from './support/samples';

const { marta, nora, dmitry } = SAMPLE_EMAILS;

interface Expectation {
  email: { postmarkId: string; leadId: number; contactId: number };
  status: string;
  recordType: string;
  tag: string | null;
  /** The one note the event writes on the lead, or null when it writes none. */
  note: string | null;
}

const EXPECTED: Record<string, Expectation> = {
  'webhook-delivery.json': {
    email: marta,
    status: 'delivered',
    recordType: 'Delivery',
    tag: null,
    note: null,
  },
  'webhook-open.json': {
    email: marta,
    status: 'opened',
    recordType: 'Open',
    tag: null,
    note: null,
  },
  'webhook-click.json': {
    email: marta,
    status: 'clicked',
    recordType: 'Click',
    tag: null,
    note: null,
  },
  'webhook-bounce.json': {
    email: nora,
    status: 'bounced',
    recordType: 'Bounce',
    tag: 'email_invalid',
    note:
      'Email "deal-won-confirmation" to no.such.person@example.net bounced (HardBounce): ' +
      'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  },
  'webhook-spam-complaint.json': {
    email: dmitry,
    status: 'complained',
    recordType: 'SpamComplaint',
    tag: 'email_spam_complaint',
    note: 'annoyed@example.org reported the email "deal-won-confirmation" as spam.',
  },
  // Its SuppressionReason is HardBounce: the tag, but no second note about the same bounce.
  'webhook-subscription-change.json': {
    email: nora,
    status: 'sent',
    recordType: 'SubscriptionChange',
    tag: 'email_invalid',
    note: null,
  },
};

const EVENT_SAMPLES = readdirSync(join(SAMPLES_DIR, 'postmark')).filter((file) =>
  /^webhook-.+\.json$/.test(file),
);

it('has an expectation for every event sample', () => {
  expect([...EVENT_SAMPLES].sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe('Postmark event samples, each posted twice, for emails we sent', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
    await sendTheSampleEmails(t);
  });

  afterEach(async () => {
    await t.close();
  });

  describe.each([
    ['with the same trace id', 'trace-retried-once'],
    ['without a trace id', undefined],
  ])('%s', (_label, traceId) => {
    it.each(EVENT_SAMPLES)('%s: one event, one status, one note or tag', async (file) => {
      const expected = EXPECTED[file];
      const body = sample(`postmark/${file}`);

      const first = await postEvent(t, body, traceId);
      const second = await postEvent(t, body, traceId);
      await t.drain();

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(JSON.parse(first.body)).toMatchObject({ ok: true, stored: true });
      expect(JSON.parse(second.body)).toMatchObject({ ok: true, stored: false });

      const message = await messageByPostmarkId(t, expected.email.postmarkId);
      expect(message).toMatchObject({ lead_id: expected.email.leadId, status: expected.status });

      const events = await t.database.db.selectFrom('message_events').selectAll().execute();
      expect(events).toEqual([
        expect.objectContaining({
          message_id: message.id,
          postmark_message_id: expected.email.postmarkId,
          record_type: expected.recordType,
        }),
      ]);

      expect(eventNotesOn(t, expected.email.leadId)).toEqual(expected.note ? [expected.note] : []);
      expect(contactTags(t, expected.email.contactId)).toEqual(expected.tag ? [expected.tag] : []);

      const writes = await t.database.db
        .selectFrom('kommo_outbox')
        .select(['kind', 'entity_id', 'status'])
        .where('dedupe_key', 'not like', 'note:%:sent')
        .orderBy('id')
        .execute();
      expect(writes).toEqual([
        ...(expected.note
          ? [{ kind: 'note', entity_id: expected.email.leadId, status: 'done' }]
          : []),
        ...(expected.tag
          ? [{ kind: 'tag', entity_id: expected.email.contactId, status: 'done' }]
          : []),
      ]);
    });
  });

  it('keeps the int64 bounce and complaint ids digit for digit in the timeline', async () => {
    await postEvent(t, sample('postmark/webhook-bounce.json'), 'trace-bounce');
    await postEvent(t, sample('postmark/webhook-spam-complaint.json'), 'trace-spam');

    const [bounce] = await eventsOf(t, (await messageByPostmarkId(t, nora.postmarkId)).id);
    expect(bounce.payload).toContain('"ID":"5123372036854775807"');
    expect(JSON.parse(bounce.payload).ID).toBe('5123372036854775807');
    expect(bounce.detail).toMatch(/^HardBounce: smtp;550 5\.1\.1/);
    expect(bounce.occurred_at).toBe(Date.parse('2026-12-04T10:21:02Z'));

    const [complaint] = await eventsOf(t, (await messageByPostmarkId(t, dmitry.postmarkId)).id);
    expect(JSON.parse(complaint.payload).ID).toBe('5123372036854775901');
  });

  it('tags the bounced contact once when the bounce and its suppression both arrive', async () => {
    await postEvent(t, sample('postmark/webhook-bounce.json'), 'trace-bounce');
    await postEvent(t, sample('postmark/webhook-subscription-change.json'), 'trace-suppression');
    await t.drain();

    expect(contactTags(t, nora.contactId)).toEqual(['email_invalid']);
    expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
    expect(notesOn(t, marta.leadId)).toHaveLength(1);
    expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'bounced' });
  });
});
