import request from 'supertest';
import { sample, sampleJson } from './support/samples';
import { basicAuth, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';

const FORM = 'application/x-www-form-urlencoded';
const SAMPLE_MESSAGE_ID = '5d2b8f0e-3c41-4a7e-9a55-1f0c2b7e9d10';

describe('the whole flow, on the sample payloads', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
    // The reply sample answers this outbound id; the first email we send gets it.
    t.postmark.queueMessageIds([SAMPLE_MESSAGE_ID]);
  });

  afterEach(async () => {
    await t.close();
  });

  const postStageWebhook = (file: string) =>
    request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', FORM)
      .send(sample(file));

  const postInbound = (body: string) =>
    request(t.url)
      .post('/webhooks/postmark/inbound')
      .set('Authorization', basicAuth())
      .set('Content-Type', 'application/json')
      .send(body);

  const notesOn = (leadId: number) => t.kommo.notes.filter((note) => note.entity_id === leadId);

  it('sends one email to the main contact’s WORK address and notes it on the lead', async () => {
    const response = await postStageWebhook('kommo/status-webhook.form.txt');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, queued: 1 });
    await t.drain();

    expect(t.postmark.sent).toHaveLength(1);
    const email = t.postmark.sent[0];
    expect(email).toMatchObject({
      To: 'marta.quiroga@example.com',
      From: 'bookings@acmetravel.example',
      TemplateAlias: 'deal-won-confirmation',
      Tag: 'deal-won-confirmation',
      MessageStream: 'outbound',
      subject: 'Your booking is confirmed, Marta Quiroga!',
    });
    expect(email.TemplateModel).toMatchObject({
      client_name: 'Marta Quiroga',
      deal_id: 4410021,
      deal_name: 'Corporate retreat, 40 guests',
      amount: 12500,
      lead: { id: 4410021, custom_fields: { source: 'Website' } },
      contact: { id: 2290550, email: 'marta.quiroga@example.com' },
      responsible: { id: 8123401 },
    });
    expect(email.Metadata).toEqual({ lead_id: '4410021', send_id: expect.stringMatching(/^m_/) });
    expect(email.ReplyTo).toMatch(
      /^3f9c1e7a8b2d4c6e\+m_[0-9A-Z]+\.[\w-]{16}@inbound\.postmarkapp\.com$/,
    );

    const notes = notesOn(4410021);
    expect(notes).toHaveLength(1);
    expect(notes[0].params.text).toBe(
      'Email "deal-won-confirmation" sent to marta.quiroga@example.com via Postmark.',
    );

    const message = await t.database.db
      .selectFrom('messages')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(message).toMatchObject({
      status: 'sent',
      postmark_message_id: SAMPLE_MESSAGE_ID,
      lead_id: 4410021,
    });
  });

  it('sends once and notes once when Kommo delivers the same webhook twice', async () => {
    await postStageWebhook('kommo/status-webhook.form.txt').expect(200);
    await t.drain();
    const again = await postStageWebhook('kommo/status-webhook.form.txt').expect(200);
    await t.drain();

    expect(again.body.queued).toBe(0);
    expect(t.postmark.sent).toHaveLength(1);
    expect(notesOn(4410021)).toHaveLength(1);
  });

  it('sends only to the leads whose (pipeline, stage) has a rule', async () => {
    await postStageWebhook('kommo/status-webhook-multi.form.txt').expect(200);
    await postStageWebhook('kommo/status-webhook-multi.form.txt').expect(200);
    await t.drain();

    const leadIds = t.postmark.sent.map((email) => email.Metadata?.lead_id).sort();
    // 4410033 moved to 142 (won) in 7711001; the only 142 rule is for another pipeline.
    expect(leadIds).toEqual(['4410031', '4410032']);
    expect(notesOn(4410033)).toHaveLength(0);
  });

  it('notes the client’s reply on the lead, matched through In-Reply-To, text intact, once', async () => {
    await postStageWebhook('kommo/status-webhook.form.txt').expect(200);
    await t.drain();

    const reply = sample('postmark/inbound-reply.json');
    const first = await postInbound(reply).expect(200);
    const second = await postInbound(reply).expect(200);
    expect(second.body.duplicate).toBe(true);
    await t.drain();

    const notes = notesOn(4410021);
    expect(notes).toHaveLength(2);
    const text = notes[1].params.text as string;
    expect(text).toContain('Marta Quiroga <marta.quiroga@example.com>');
    expect(text).toContain('Re: Your booking is confirmed, Marta Quiroga!');
    expect(text).toContain('¡Gracias! Подтверждаю, жду договор 👍');
    expect(text).toContain('contract-signed.txt (26 B)');

    const stored = await t.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', '=', first.body.id)
      .executeTakeFirstOrThrow();
    // The sample's MailboxHash carries a made-up signature: it must not be trusted.
    expect(stored).toMatchObject({
      status: 'matched',
      lead_id: 4410021,
      matched_by: 'in_reply_to',
    });
    expect(stored.raw).toBe(reply);
  });

  it('matches a reply by its signed plus-address token', async () => {
    await postStageWebhook('kommo/status-webhook.form.txt').expect(200);
    await t.drain();
    const hash = /\+([^@]+)@/.exec(t.postmark.sent[0].ReplyTo!)![1];
    const reply = sampleJson('postmark/inbound-reply.json');
    const ours = { ...reply, MessageID: 'reply-with-token', MailboxHash: hash, Headers: [] };

    await postInbound(JSON.stringify(ours)).expect(200);
    await t.drain();

    const stored = await t.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('postmark_message_id', '=', 'reply-with-token')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ status: 'matched', lead_id: 4410021, matched_by: 'token' });
  });

  it('keeps an HTML-only reply from an unknown sender as unmatched, answered 200', async () => {
    const body = sample('postmark/inbound-html-only.json');
    await postInbound(body).expect(200);
    await postInbound(body).expect(200);
    await t.drain();

    const rows = await t.database.db.selectFrom('inbound_messages').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'unmatched', from_email: 'pedro.alves@example.com' });
    expect(t.kommo.notes).toHaveLength(0);
  });

  it('notes an HTML-only reply as text when Kommo knows the sender', async () => {
    t.kommo.addLead(
      { id: 4410099, name: 'Lisbon trip', status_id: 61822002, pipeline_id: PIPELINE_ID },
      [{ id: 2290599, name: 'Pedro Alves', email: 'Pedro.Alves@example.com ' }],
    );
    await postInbound(sample('postmark/inbound-html-only.json')).expect(200);
    await t.drain();

    const notes = notesOn(4410099);
    expect(notes).toHaveLength(1);
    expect(notes[0].params.text).toContain('Olá, podemos mudar a data para março?');
    expect(notes[0].params.text).not.toContain('<b>');
  });

  it('refuses inbound posts without the webhook credentials', async () => {
    await request(t.url)
      .post('/webhooks/postmark/inbound')
      .set('Authorization', basicAuth('postmark', 'wrong'))
      .send(sample('postmark/inbound-reply.json'))
      .expect(401);
  });

  it('answers 404 to a wrong Kommo token and stores a webhook it cannot use', async () => {
    await request(t.url)
      .post('/webhooks/kommo/wrong-token')
      .set('Content-Type', FORM)
      .send('a=b')
      .expect(404);
    const response = await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', FORM)
      .send('not=a&stage=webhook')
      .expect(200);

    expect(response.body.outcome).toBe('invalid');
    const stored = await t.database.db.selectFrom('kommo_webhooks').selectAll().execute();
    expect(stored).toEqual([
      expect.objectContaining({ outcome: 'invalid', body: 'not=a&stage=webhook' }),
    ]);
  });
});

const PIPELINE_ID = 7711001;
