import request from 'supertest';
import { basicAuth, DEFAULT_RULES, PIPELINE, startTestApp, TestApp } from './support/app';
import {
  contactTags,
  eventNotesOn,
  eventsOf,
  messageByPostmarkId,
  postEvent,
  postStageWebhook,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
  variant,
} from './support/sample-emails';
import { sample } from './support/samples';

const { marta, nora } = SAMPLE_EMAILS;
const NEVER_SENT = '0e5f7a19-6b2c-4d8e-9f31-7a4c2b1d9e55';
const TEST_POST_ID = '00000000-0000-0000-0000-000000000000';
// A second stage with a rule, so one contact can get two emails.
const FOLLOW_UP_STAGE = 61822004;

describe('Postmark delivery events', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({
      worker: false,
      env: {
        STAGE_RULES: JSON.stringify([
          ...DEFAULT_RULES,
          { pipelineId: PIPELINE, statusId: FOLLOW_UP_STAGE, templateAlias: 'proposal-sent' },
        ]),
      },
    });
    await sendTheSampleEmails(t);
  });

  afterEach(async () => {
    await t.close();
  });

  describe('out of order', () => {
    it('stays opened when the Delivery comes after the Open, and keeps both events', async () => {
      await postEvent(t, sample('postmark/webhook-open.json'), 'trace-open');
      await postEvent(t, sample('postmark/webhook-delivery.json'), 'trace-delivery');
      await t.drain();

      const message = await messageByPostmarkId(t, marta.postmarkId);
      expect(message.status).toBe('opened');
      const timeline = await eventsOf(t, message.id);
      expect(timeline.map((event) => [event.record_type, event.occurred_at])).toEqual([
        ['Open', Date.parse('2026-12-04T10:25:40Z')],
        ['Delivery', Date.parse('2026-12-04T10:20:15.1Z')],
      ]);
      expect(eventNotesOn(t, marta.leadId)).toEqual([]);
    });

    it('stays bounced whatever comes after the Bounce', async () => {
      await postEvent(t, sample('postmark/webhook-bounce.json'), 'trace-bounce');
      for (const file of ['webhook-delivery.json', 'webhook-open.json', 'webhook-click.json']) {
        const late = variant(`postmark/${file}`, {
          MessageID: nora.postmarkId,
          Recipient: 'no.such.person@example.net',
        });
        const response = await postEvent(t, late, `trace-late-${file}`);
        expect(response.status).toBe(200);
      }
      await t.drain();

      const message = await messageByPostmarkId(t, nora.postmarkId);
      expect(message.status).toBe('bounced');
      expect(await eventsOf(t, message.id)).toHaveLength(4);
      expect(contactTags(t, nora.contactId)).toEqual(['email_invalid']);
      expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
    });

    it('ends at the furthest status when Click, Open and Delivery arrive at once', async () => {
      // All three emails at once, so a race between the three events has three chances to show.
      const files = ['webhook-click.json', 'webhook-open.json', 'webhook-delivery.json'];
      const posts = Object.values(SAMPLE_EMAILS).flatMap((email) =>
        files.map((file) => variant(`postmark/${file}`, { MessageID: email.postmarkId })),
      );
      const answers = await Promise.all(
        posts.map((body, index) => postEvent(t, body, `t-${index}`)),
      );

      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      const statuses = await t.database.db.selectFrom('messages').select('status').execute();
      expect(statuses).toEqual([
        { status: 'clicked' },
        { status: 'clicked' },
        { status: 'clicked' },
      ]);
    });
  });

  describe('repeats', () => {
    it('stores one event for two posts with the same trace id', async () => {
      const open = sample('postmark/webhook-open.json');
      const retried = variant('postmark/webhook-open.json', { ReceivedAt: '2026-12-04T10:25:41Z' });

      await postEvent(t, open, 'trace-same');
      const again = await postEvent(t, retried, 'trace-same');

      expect(JSON.parse(again.body)).toMatchObject({ ok: true, stored: false });
      const message = await messageByPostmarkId(t, marta.postmarkId);
      expect(await eventsOf(t, message.id)).toHaveLength(1);
      expect(message.status).toBe('opened');
    });

    it('without a trace id, tells repeats by record type, MessageID and time', async () => {
      const open = sample('postmark/webhook-open.json');
      const reopened = variant('postmark/webhook-open.json', {
        FirstOpen: false,
        ReceivedAt: '2026-12-04T16:02:11Z',
      });

      for (const body of [open, open, reopened, reopened]) await postEvent(t, body);
      await t.drain();

      const message = await messageByPostmarkId(t, marta.postmarkId);
      const timeline = await eventsOf(t, message.id);
      expect(timeline.map((event) => event.occurred_at)).toEqual([
        Date.parse('2026-12-04T10:25:40Z'),
        Date.parse('2026-12-04T16:02:11Z'),
      ]);
      expect(message.status).toBe('opened');
      expect(eventNotesOn(t, marta.leadId)).toEqual([]);
    });
  });

  describe('events that are not about our emails', () => {
    it('keeps a bounce for a message we never sent, answers 200 and tags nobody', async () => {
      const stranger = variant('postmark/webhook-bounce.json', {
        MessageID: NEVER_SENT,
        Metadata: {},
      });

      const response = await postEvent(t, stranger, 'trace-stranger');
      await t.drain();

      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ ok: true, stored: true, messageId: null });
      const [kept] = await eventsOf(t, null);
      expect(kept).toMatchObject({ postmark_message_id: NEVER_SENT, record_type: 'Bounce' });
      expect(JSON.parse(kept.payload).ID).toBe('5123372036854775807');
      expect(contactTags(t, nora.contactId)).toEqual([]);
      expect(eventNotesOn(t, nora.leadId)).toEqual([]);
      expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'sent' });
    });

    it('answers 200 to Postmark’s test post and changes nothing', async () => {
      for (const file of ['webhook-bounce.json', 'webhook-delivery.json']) {
        const test = variant(`postmark/${file}`, { MessageID: TEST_POST_ID, Metadata: {} });
        const response = await postEvent(t, test);
        expect(response.status).toBe(200);
      }
      await t.drain();

      const statuses = await t.database.db.selectFrom('messages').select('status').execute();
      expect(statuses.every((row) => row.status === 'sent')).toBe(true);
      const kept = await eventsOf(t, null);
      expect(kept.map((event) => [event.postmark_message_id, event.record_type])).toEqual([
        [TEST_POST_ID, 'Bounce'],
        [TEST_POST_ID, 'Delivery'],
      ]);
      expect(contactTags(t, nora.contactId)).toEqual([]);
      expect(eventNotesOn(t, nora.leadId)).toEqual([]);
    });

    it('finds our message by the send id in Metadata when the MessageID is unknown', async () => {
      const message = await messageByPostmarkId(t, marta.postmarkId);
      const delivery = variant('postmark/webhook-delivery.json', {
        MessageID: NEVER_SENT,
        Metadata: { lead_id: '4410021', send_id: message.id },
      });

      await postEvent(t, delivery, 'trace-by-metadata');

      expect(await messageByPostmarkId(t, marta.postmarkId)).toMatchObject({ status: 'delivered' });
      expect(await eventsOf(t, message.id)).toHaveLength(1);
    });
  });

  describe('what needs a person', () => {
    it('notes a soft bounce without tagging or changing the status', async () => {
      const soft = variant('postmark/webhook-bounce.json', {
        Type: 'SoftBounce',
        TypeCode: 4096,
        Inactive: false,
        Details: 'smtp;452 4.2.2 Mailbox full',
      });

      await postEvent(t, soft, 'trace-soft');
      await t.drain();

      expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'sent' });
      expect(contactTags(t, nora.contactId)).toEqual([]);
      expect(eventNotesOn(t, nora.leadId)).toEqual([
        'Email "deal-won-confirmation" to no.such.person@example.net was delayed or soft-bounced ' +
          '(SoftBounce): smtp;452 4.2.2 Mailbox full',
      ]);
    });

    it('tags and notes an unsubscribe, and ignores a reactivation', async () => {
      const unsubscribe = variant('postmark/webhook-subscription-change.json', {
        MessageID: marta.postmarkId,
        Recipient: 'marta.quiroga@example.com',
        SuppressionReason: 'ManualSuppression',
      });
      const reactivation = variant('postmark/webhook-subscription-change.json', {
        MessageID: marta.postmarkId,
        SuppressSending: false,
        SuppressionReason: null,
        ChangedAt: '2026-12-05T09:00:00Z',
      });

      await postEvent(t, unsubscribe, 'trace-unsubscribe');
      await postEvent(t, reactivation, 'trace-reactivation');
      await t.drain();

      expect(contactTags(t, marta.contactId)).toEqual(['email_unsubscribed']);
      expect(eventNotesOn(t, marta.leadId)).toEqual([
        'marta.quiroga@example.com unsubscribed after the email "deal-won-confirmation"; ' +
          'Postmark will not send to it.',
      ]);
      const message = await messageByPostmarkId(t, marta.postmarkId);
      expect(message.status).toBe('sent');
      expect(await eventsOf(t, message.id)).toHaveLength(2);
    });

    it('tags again when a later email bounces after someone removed the tag', async () => {
      await postEvent(t, sample('postmark/webhook-bounce.json'), 'trace-first-bounce');
      await t.drain();
      expect(contactTags(t, nora.contactId)).toEqual(['email_invalid']);

      // Someone fixes the address in Kommo and removes the tag; the next email bounces too.
      t.kommo.contacts.get(nora.contactId)!._embedded.tags = [];
      const followUpId = 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f';
      t.postmark.queueMessageIds([followUpId]);
      const move = { leadId: nora.leadId, statusId: FOLLOW_UP_STAGE, oldStatusId: 61822003 };
      await postStageWebhook(t, t.kommo.moveLeads([{ ...move, pipelineId: PIPELINE }]));
      await t.drain();
      const second = variant('postmark/webhook-bounce.json', {
        MessageID: followUpId,
        ID: 5123372036854776000,
        BouncedAt: '2026-12-09T08:00:00Z',
      });
      await postEvent(t, second, 'trace-second-bounce');
      await t.drain();

      expect(await messageByPostmarkId(t, followUpId)).toMatchObject({ status: 'bounced' });
      expect(contactTags(t, nora.contactId)).toEqual(['email_invalid']);
      expect(eventNotesOn(t, nora.leadId)).toHaveLength(2);
    });
  });

  describe('bodies we cannot use', () => {
    it.each([
      ['not JSON', '{"RecordType": "Delivery", "MessageID": ', 'body is not JSON'],
      [
        'an unknown RecordType',
        '{"RecordType":"Inbound","MessageID":"x"}',
        'unknown RecordType Inbound',
      ],
      ['no MessageID', '{"RecordType":"Delivery","Recipient":"a@example.com"}', 'no MessageID'],
      ['a JSON array', '[{"RecordType":"Delivery"}]', 'body is not an object'],
    ])('stores %s and answers 200, once per body', async (_label, body, reason) => {
      const first = await postEvent(t, body);
      const second = await postEvent(t, body);

      expect([first.status, second.status]).toEqual([200, 200]);
      expect(JSON.parse(first.body)).toMatchObject({ ok: true, stored: true, ignored: reason });
      expect(JSON.parse(second.body)).toMatchObject({ ok: true, stored: false });
      const kept = await t.database.db
        .selectFrom('message_events')
        .selectAll()
        .where('record_type', '=', 'invalid')
        .execute();
      expect(kept).toEqual([
        expect.objectContaining({ message_id: null, detail: reason, payload: body }),
      ]);
    });

    it('stores an event whose text fields carry a NUL character', async () => {
      const odd = variant('postmark/webhook-bounce.json', {
        Type: 'SoftBounce',
        Inactive: false,
        Details: 'smtp;452 mailbox\u0000full',
      });

      const response = await postEvent(t, odd, 'trace-nul');
      await t.drain();

      expect(response.status).toBe(200);
      const [event] = await eventsOf(t, (await messageByPostmarkId(t, nora.postmarkId)).id);
      expect(JSON.parse(event.payload).Details).toBe('smtp;452 mailbox\u0000full');
      expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
    });

    it('answers 401 to wrong or missing credentials and stores nothing', async () => {
      const body = sample('postmark/webhook-bounce.json');
      const wrong = await postEvent(t, body, 'trace-wrong', { user: 'postmark', password: 'nope' });
      const missing = await request(t.url)
        .post('/webhooks/postmark/events')
        .set('Content-Type', 'application/json')
        .send(body);
      const otherUser = await request(t.url)
        .post('/webhooks/postmark/events')
        .set('Authorization', basicAuth('someone', 'webhook-password-for-tests'))
        .send(body);

      expect([wrong.status, missing.status, otherUser.status]).toEqual([401, 401, 401]);
      expect(await t.database.db.selectFrom('message_events').selectAll().execute()).toEqual([]);
      expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'sent' });
    });
  });
});
