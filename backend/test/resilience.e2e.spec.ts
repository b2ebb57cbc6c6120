import request from 'supertest';
import { MessagesRepository } from '../src/sending/messages.repository';
import { basicAuth, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';
import { sample } from './support/samples';

describe('a failure inside the service does not take it down', () => {
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));

  beforeEach(async () => {
    unhandled.length = 0;
    t = await startTestApp({ worker: false });
  });

  afterEach(async () => {
    await t.close();
  });

  it('keeps a reply with odd field shapes, and goes on sending', async () => {
    const odd = {
      MessageID: 'odd-shapes',
      From: 'someone@example.org',
      Headers: { Name: 'In-Reply-To' },
      ToFull: 'nobody',
      TextBody: 'hi',
      Attachments: 'x',
    };
    await request(t.url)
      .post('/webhooks/postmark/inbound')
      .set('Authorization', basicAuth())
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(odd))
      .expect(200);
    await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(sample('kommo/status-webhook.form.txt'))
      .expect(200);
    await t.drain();

    const reply = await t.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('postmark_message_id', '=', 'odd-shapes')
      .executeTakeFirstOrThrow();
    expect(reply.status).toBe('unmatched');
    expect(t.postmark.sent).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('survives a worker pass that throws, and the next pass does the work', async () => {
    const messages = t.app.get(MessagesRepository);
    const claim = jest
      .spyOn(messages, 'claim')
      .mockRejectedValueOnce(new Error('database is locked'));
    await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(sample('kommo/status-webhook.form.txt'))
      .expect(200);

    await expect(t.worker.drain()).rejects.toThrow('database is locked');
    await new Promise((resolve) => setImmediate(resolve));
    await t.drain();

    expect(claim.mock.calls.length).toBeGreaterThan(1);
    expect(t.postmark.sent).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});

describe('webhook bodies that cannot even be read', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });

  afterAll(async () => {
    await t.close();
  });

  it('records a Kommo webhook in an unknown charset and answers 200', async () => {
    const response = await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=bogus')
      .send('leads[status][0][id]=1')
      .expect(200);

    expect(response.body.outcome).toBe('invalid');
    const stored = await t.database.db.selectFrom('kommo_webhooks').selectAll().execute();
    expect(stored).toEqual([
      expect.objectContaining({ outcome: 'invalid', detail: expect.stringMatching(/charset/) }),
    ]);
  });

  it('records Postmark posts with a broken encoding and answers 200', async () => {
    for (const path of ['/webhooks/postmark/inbound', '/webhooks/postmark/events']) {
      await request(t.url)
        .post(path)
        .set('Authorization', basicAuth())
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('this is not gzip')
        .expect(200);
    }

    const replies = await t.database.db.selectFrom('inbound_messages').selectAll().execute();
    const events = await t.database.db.selectFrom('message_events').selectAll().execute();
    expect(replies).toEqual([expect.objectContaining({ status: 'invalid' })]);
    expect(events).toEqual([expect.objectContaining({ record_type: 'invalid' })]);
  });
});

describe('a lead Kommo refuses to read', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });

  afterAll(async () => {
    await t.close();
  });

  it('fails alone and does not hold back the rest of its batch', async () => {
    const messages = t.app.get(MessagesRepository);
    const base = { account: 'acmetravel', ruleId: null, source: 'admin' as const };
    await messages.enqueue([
      { ...base, leadId: -5, templateAlias: 'deal-won-confirmation', dedupeKey: 'bad-id' },
      { ...base, leadId: 4410021, templateAlias: 'deal-won-confirmation', dedupeKey: 'good-id' },
    ]);

    await t.drain();

    const rows = await t.database.db
      .selectFrom('messages')
      .select(['lead_id', 'status', 'error_code'])
      .orderBy('lead_id')
      .execute();
    expect(rows).toEqual([
      { lead_id: -5, status: 'failed', error_code: 'kommo_rejected' },
      { lead_id: 4410021, status: 'sent', error_code: null },
    ]);
    expect(t.postmark.sent.map((email) => email.To)).toEqual(['marta.quiroga@example.com']);
  });
});
