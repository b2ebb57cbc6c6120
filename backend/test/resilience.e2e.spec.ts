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
    const claim = jest.spyOn(messages, 'claim').mockRejectedValueOnce(new Error('database is locked'));
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
