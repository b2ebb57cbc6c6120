import { sample, sampleJson } from './support/samples';
import { basicAuth, POSTMARK_AUTH, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';
import { adminApi } from './support/admin-api';
import { MessagesRepository } from '../src/sending/messages.repository';
import request from 'supertest';

const MARTA_LEAD = 4410021;
const FORM = 'application/x-www-form-urlencoded';

describe('admin API: messages, resend, sending by hand, unmatched replies', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
    api = adminApi(t);
  });

  afterEach(async () => {
    await t.close();
  });

  const sendStageEmail = async () => {
    await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', FORM)
      .send(sample('kommo/status-webhook.form.txt'))
      .expect(200);
    await t.drain();
    const page = await api.get(`/messages?leadId=${MARTA_LEAD}`).expect(200);

    return page.body.items[0] as { id: string };
  };

  const queue = (
    count: number,
    make: (index: number) => { leadId: number; templateAlias: string },
  ) =>
    t.app.get(MessagesRepository).enqueue(
      Array.from({ length: count }, (_, index) => ({
        account: 'acmetravel',
        ruleId: null,
        source: 'stage' as const,
        dedupeKey: `test:${index}:${Math.random()}`,
        ...make(index),
      })),
    );

  it('walks every page once, newest first, with no duplicates', async () => {
    const ids = await queue(23, (index) => ({
      leadId: 5000 + index,
      templateAlias: 'proposal-sent',
    }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=5&cursor=${cursor}` : '?limit=5';
      const page = await api.get(`/messages${query}`).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);

    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by lead, status, template and creation time, paging within', async () => {
    await queue(6, (index) => ({
      leadId: index % 2 === 0 ? 7001 : 7002,
      templateAlias: index < 3 ? 'proposal-sent' : 'deal-won-confirmation',
    }));
    const failed = (await queue(1, () => ({ leadId: 7001, templateAlias: 'proposal-sent' })))[0];
    await t.database.db
      .updateTable('messages')
      .set({ status: 'failed' })
      .where('id', '=', failed)
      .execute();

    const byLead = await api.get('/messages?leadId=7001&limit=2').expect(200);
    expect(byLead.body.items).toHaveLength(2);
    const rest = await api
      .get(`/messages?leadId=7001&limit=2&cursor=${byLead.body.nextCursor}`)
      .expect(200);
    expect(
      [...byLead.body.items, ...rest.body.items].every(
        (m: { leadId: number }) => m.leadId === 7001,
      ),
    ).toBe(true);
    expect(byLead.body.items.length + rest.body.items.length).toBe(4);
    expect(rest.body.nextCursor).toBeNull();

    const byTemplate = await api.get('/messages?template=deal-won-confirmation').expect(200);
    expect(byTemplate.body.items).toHaveLength(3);

    const byStatus = await api.get('/messages?status=failed').expect(200);
    expect(byStatus.body.items.map((m: { id: string }) => m.id)).toEqual([failed]);

    const past = await api.get('/messages?to=2000-01-01').expect(200);
    expect(past.body).toEqual({ items: [], nextCursor: null });
    const today = new Date(Date.now() - 60_000).toISOString();
    const recent = await api.get(`/messages?from=${today}&template=proposal-sent`).expect(200);
    expect(recent.body.items).toHaveLength(4);
  });

  it('shows one message with its Postmark events in the order they happened', async () => {
    t.postmark.autoEvents = {
      url: `${t.url}/webhooks/postmark/events`,
      auth: POSTMARK_AUTH,
      delayMs: 5,
      kinds: ['Delivery', 'Open', 'Click'],
    };
    const message = await sendStageEmail();
    await t.postmark.settle();

    const detail = await api.get(`/messages/${message.id}`).expect(200);

    expect(detail.body).toMatchObject({
      id: message.id,
      leadId: MARTA_LEAD,
      templateAlias: 'deal-won-confirmation',
      source: 'stage',
      status: 'clicked',
      recipient: 'marta.quiroga@example.com',
      postmarkMessageId: expect.any(String),
      sentAt: expect.any(String),
    });
    expect(detail.body.events.map((event: { type: string }) => event.type)).toEqual([
      'Delivery',
      'Open',
      'Click',
    ]);
    const times = detail.body.events.map((event: { occurredAt: string }) =>
      Date.parse(event.occurredAt),
    );
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const missing = await api.get('/messages/m_01JJ8ZQ4W7V6Y3T1H2G5K9M0PA').expect(404);
    expect(missing.body.code).toBe('message_not_found');
  });

  it('resends as a new email that Postmark receives after the worker runs', async () => {
    const original = await sendStageEmail();
    expect(t.postmark.sent).toHaveLength(1);

    const first = await api.post(`/messages/${original.id}/resend`).expect(201);
    const second = await api.post(`/messages/${original.id}/resend`, {}).expect(201);
    expect(first.body).toMatchObject({
      leadId: MARTA_LEAD,
      templateAlias: 'deal-won-confirmation',
      source: 'admin',
      status: 'queued',
      events: [],
    });
    expect(first.body.id).not.toBe(original.id);
    expect(second.body.id).not.toBe(first.body.id);
    await t.drain();

    expect(t.postmark.sent).toHaveLength(3);
    expect(t.postmark.sent.every((email) => email.Metadata?.lead_id === String(MARTA_LEAD))).toBe(
      true,
    );
    const keys = await t.database.db
      .selectFrom('messages')
      .select('dedupe_key')
      .where('source', '=', 'admin')
      .orderBy('id')
      .execute();
    expect(keys.map((row) => row.dedupe_key)).toEqual([
      `resend:${original.id}:1`,
      `resend:${original.id}:2`,
    ]);
    expect((await api.get(`/messages/${first.body.id}`).expect(200)).body.status).toBe('sent');

    await api.post('/messages/m_01JJ8ZQ4W7V6Y3T1H2G5K9M0PA/resend').expect(404);
  });

  it('sends by hand once per requestId, to the address asked for', async () => {
    const body = {
      leadId: MARTA_LEAD,
      templateAlias: 'proposal-sent',
      email: 'Marta.Private@example.org',
      requestId: 'req-1',
    };
    const created = await api.post('/send', body).expect(201);
    expect(created.body).toMatchObject({
      source: 'admin',
      status: 'queued',
      recipient: 'marta.private@example.org',
    });
    const repeated = await api.post('/send', body).expect(200);
    expect(repeated.body.id).toBe(created.body.id);
    await t.drain();

    expect(t.postmark.sent).toHaveLength(1);
    expect(t.postmark.sent[0]).toMatchObject({
      TemplateAlias: 'proposal-sent',
      To: 'marta.private@example.org',
    });
    const row = await t.app.get(MessagesRepository).find(created.body.id);
    expect(row).toMatchObject({ dedupe_key: 'manual:req-1', source: 'admin', status: 'sent' });
    const note = t.kommo.notes.find((item) => item.entity_id === MARTA_LEAD);
    expect(note?.params.text).toContain('proposal-sent');

    const defaulted = await api
      .post('/send', {
        leadId: MARTA_LEAD,
        templateAlias: 'deal-won-confirmation',
        requestId: 'req-2',
      })
      .expect(201);
    await t.drain();
    expect(t.postmark.sent[1].To).toBe('marta.quiroga@example.com');
    expect((await api.get(`/messages/${defaulted.body.id}`)).body.status).toBe('sent');
  });

  it('refuses a hand send that could only fail, naming the field', async () => {
    const base = { leadId: MARTA_LEAD, templateAlias: 'proposal-sent' };
    await api.post('/send', { ...base, requestId: 'r-a' }).expect(201);

    const reused = await api.post('/send', {
      ...base,
      templateAlias: 'deal-won-confirmation',
      requestId: 'r-a',
    });
    expect(reused.status).toBe(409);
    expect(reused.body.fields).toHaveProperty('requestId');

    const template = await api
      .post('/send', { ...base, templateAlias: 'nope', requestId: 'r-b' })
      .expect(422);
    expect(Object.keys(template.body.fields)).toEqual(['templateAlias']);

    const lead = await api.post('/send', { ...base, leadId: 999, requestId: 'r-c' }).expect(422);
    expect(Object.keys(lead.body.fields)).toEqual(['leadId']);

    const email = await api
      .post('/send', { ...base, email: 'jorge@example.com', requestId: 'r-d' })
      .expect(422);
    expect(Object.keys(email.body.fields)).toEqual(['email']);

    const invalid = await api
      .post('/send', { leadId: 0, templateAlias: '', email: 'x', requestId: 'a b' })
      .expect(400);
    expect(Object.keys(invalid.body.fields).sort()).toEqual([
      'email',
      'leadId',
      'requestId',
      'templateAlias',
    ]);
  });

  it('lists unmatched replies page by page; assigning one notes it on the lead', async () => {
    const reply = sampleJson<Record<string, unknown>>('postmark/inbound-html-only.json');
    for (let index = 0; index < 5; index += 1) {
      await request(t.url)
        .post('/webhooks/postmark/inbound')
        .set('Authorization', basicAuth())
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ ...reply, MessageID: `unmatched-${index}` }))
        .expect(200);
    }
    await t.drain();

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await api.get(`/replies/unmatched${query}`).expect(200);
      seen.push(...page.body.items.map((item: { id: number }) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);

    const first = (await api.get('/replies/unmatched?limit=1').expect(200)).body.items[0];
    expect(first).toMatchObject({
      status: 'unmatched',
      from: 'pedro.alves@example.com',
      subject: 'Pergunta sobre a proposta',
    });

    const assigned = await api
      .post(`/replies/${first.id}/assign`, { leadId: MARTA_LEAD })
      .expect(200);
    expect(assigned.body).toMatchObject({
      id: first.id,
      status: 'matched',
      leadId: MARTA_LEAD,
      matchedBy: 'manual',
    });
    await t.drain();

    const notes = t.kommo.notes.filter((note) => note.entity_id === MARTA_LEAD);
    expect(notes).toHaveLength(1);
    expect(notes[0].params.text).toContain('Olá, podemos mudar a data para março?');
    const left = (await api.get('/replies/unmatched').expect(200)).body.items;
    expect(left.map((item: { id: number }) => item.id)).not.toContain(first.id);

    const twice = await api.post(`/replies/${first.id}/assign`, { leadId: MARTA_LEAD }).expect(409);
    expect(twice.body.code).toBe('already_matched');
    const lead = await api.post(`/replies/${seen[1]}/assign`, { leadId: 999 }).expect(422);
    expect(Object.keys(lead.body.fields)).toEqual(['leadId']);
    await api.post('/replies/99999/assign', { leadId: MARTA_LEAD }).expect(404);
    const invalid = await api.post(`/replies/${seen[1]}/assign`, { leadId: 'x' }).expect(400);
    expect(Object.keys(invalid.body.fields)).toEqual(['leadId']);
  });
});
