import { readFixture, readJsonFixture } from '../common/fixtures';
import { call, startReceiver, type CallOptions } from '../testing/http';
import { PostmarkSimulator } from './postmark.simulator';

const TOKEN = { 'X-Postmark-Server-Token': 'postmark-test-token', Accept: 'application/json' };
const SAMPLE_ID = '5d2b8f0e-3c41-4a7e-9a55-1f0c2b7e9d10';
const ZERO_ID = '00000000-0000-0000-0000-000000000000';
const ELEVEN_METADATA_KEYS = Object.fromEntries(range(11).map((i) => [`key${i}`, 'v']));
const SAMPLE_MODEL = {
  client_name: 'Marta Quiroga',
  deal_name: 'Corporate retreat, 40 guests',
  deal_id: 4410021,
  amount: 12500,
};

const message = (overrides: Record<string, unknown> = {}) => ({
  TemplateAlias: 'deal-won-confirmation',
  TemplateModel: SAMPLE_MODEL,
  From: 'bookings@acmetravel.example',
  To: 'marta.quiroga@example.com',
  Tag: 'deal-won-confirmation',
  Metadata: { lead_id: '4410021', send_id: 'm_01JEXAMPLE0001' },
  MessageStream: 'outbound',
  ...overrides,
});

describe('PostmarkSimulator', () => {
  const postmark = new PostmarkSimulator();
  const api = (method: string, path: string, options: CallOptions = {}) =>
    call(postmark.url, method, path, { ...options, headers: { ...TOKEN, ...options.headers } });
  const searchBySendId = (sendId: string) =>
    api('GET', `/messages/outbound?count=50&offset=0&metadata_send_id=${sendId}`);

  beforeAll(() => postmark.start());
  afterAll(() => postmark.stop());
  beforeEach(() => {
    postmark.reset();
    postmark.inactiveRecipients.clear();
    postmark.setFaults({ rate: 0 });
    postmark.autoEvents = undefined;
  });

  it('rejects a missing or wrong server token with ErrorCode 10', async () => {
    const missing = await call(postmark.url, 'GET', '/server');
    const wrong = await call(postmark.url, 'GET', '/server', {
      headers: { 'X-Postmark-Server-Token': 'nope' },
    });

    expect([missing.status, missing.json.ErrorCode]).toEqual([401, 10]);
    expect([wrong.status, wrong.json.ErrorCode]).toEqual([401, 10]);
  });

  it('wants JSON requests with ErrorCode 409, and valid JSON with ErrorCode 402', async () => {
    const form = await api('POST', '/email/withTemplate', {
      body: 'TemplateAlias=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const broken = await api('POST', '/email/withTemplate', { body: '{"TemplateAlias": ' });

    expect([form.status, form.json.ErrorCode]).toEqual([422, 409]);
    expect([broken.status, broken.json.ErrorCode]).toEqual([422, 402]);
  });

  describe('POST /email/withTemplate', () => {
    it('accepts a send, answers like the sample and keeps the rendered email', async () => {
      postmark.queueMessageIds([SAMPLE_ID]);
      const reply = await api('POST', '/email/withTemplate', { body: message() });
      const [email] = postmark.sent;

      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({
        ...readJsonFixture('postmark/send-response.json'),
        SubmittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
      });
      expect(email.subject).toBe('Your booking is confirmed, Marta Quiroga!');
      expect(email.htmlBody).toContain('<p>Dear Marta Quiroga,</p>');
      expect(email.htmlBody).toMatch(/^<html>.*Acme Travel<\/p><\/body><\/html>$/);
      expect(email.textBody).toMatch(/^Dear Marta Quiroga,\n.*\n\n--\nAcme Travel$/);
      expect(email.Metadata).toEqual({ lead_id: '4410021', send_id: 'm_01JEXAMPLE0001' });
    });

    it('answers an unknown template with the exact sample body', async () => {
      const sample = readJsonFixture('postmark/error-422-template-not-found.json');
      const reply = await api('POST', '/email/withTemplate', {
        body: message({ TemplateAlias: 'no-such-template' }),
      });

      expect(reply.status).toBe(422);
      expect(reply.text).toBe(JSON.stringify(sample));
    });

    it.each([
      ['a null field', { ReplyTo: null }, 402],
      ['a To that is not an address', { To: 'not-an-email' }, 300],
      [
        'more than 50 recipients',
        { To: Array.from({ length: 51 }, (_, i) => `p${i}@example.com`).join(', ') },
        300,
      ],
      ['an unquoted comma in a display name', { To: 'Quiroga, Marta <m@example.com>' }, 300],
      ['an unknown message stream', { MessageStream: 'newsletters' }, 1235],
      ['too many metadata keys', { Metadata: ELEVEN_METADATA_KEYS }, 300],
      ['a metadata key over 20 characters', { Metadata: { ['k'.repeat(21)]: 'v' } }, 300],
      ['a metadata value over 80 characters', { Metadata: { k: 'v'.repeat(81) } }, 300],
      ['a missing TemplateModel', { TemplateModel: undefined }, 403],
    ])('rejects %s with 422 and nothing sent', async (_case, overrides, errorCode) => {
      const reply = await api('POST', '/email/withTemplate', { body: message(overrides) });

      expect(reply.status).toBe(422);
      expect(reply.json.ErrorCode).toBe(errorCode);
      expect(postmark.sent).toHaveLength(0);
    });

    it('refuses inactive recipients with ErrorCode 406', async () => {
      postmark.inactiveRecipients.add('Bounced.Person@example.net');
      const reply = await api('POST', '/email/withTemplate', {
        body: message({ To: 'bounced.person@example.net' }),
      });

      expect(reply.status).toBe(422);
      expect(reply.json).toEqual(readJsonFixture('postmark/batch-response.json')[1]);
    });
  });

  describe('POST /email/batchWithTemplates', () => {
    it('answers per message in request order, like the sample', async () => {
      postmark.inactiveRecipients.add('bounced.person@example.net');
      postmark.queueMessageIds([SAMPLE_ID]);
      const sample = readJsonFixture('postmark/batch-response.json');

      const reply = await api('POST', '/email/batchWithTemplates', {
        body: {
          Messages: [
            message(),
            message({ To: 'bounced.person@example.net' }),
            message({ To: 'not-an-email' }),
          ],
        },
      });

      expect(reply.status).toBe(200);
      expect(reply.json).toEqual([
        { ...sample[0], SubmittedAt: expect.any(String) },
        sample[1],
        sample[2],
      ]);
      expect(postmark.sent.map((email) => email.MessageID)).toEqual([SAMPLE_ID]);
    });

    it('refuses more than 500 messages with ErrorCode 410', async () => {
      const reply = await api('POST', '/email/batchWithTemplates', {
        body: { Messages: range(501).map(() => message()) },
      });

      expect([reply.status, reply.json.ErrorCode]).toEqual([422, 410]);
      expect(postmark.sent).toHaveLength(0);
    });
  });

  describe('templates', () => {
    it('lists the seeded templates exactly like the sample', async () => {
      const reply = await api('GET', '/templates?count=100&offset=0');

      expect(reply.json).toEqual(readJsonFixture('postmark/templates-list.json'));
    });

    it('returns a template exactly like the sample, by alias or id', async () => {
      const byAlias = await api('GET', '/templates/deal-won-confirmation');
      const byId = await api('GET', '/templates/39001102');

      expect(byAlias.json).toEqual(readJsonFixture('postmark/template.json'));
      expect(byId.json).toEqual(byAlias.json);
    });

    it('creates, edits and deletes templates', async () => {
      const created = await api('POST', '/templates', {
        body: { Name: 'Reminder', Alias: 'reminder', Subject: 'Hi {{name}}', TextBody: 'x' },
      });
      const edited = await api('PUT', '/templates/reminder', { body: { Subject: 'Hello' } });
      const subject = postmark.templates.get('reminder')?.Subject;
      const removed = await api('DELETE', '/templates/reminder');

      expect(created.json).toMatchObject({ Alias: 'reminder', TemplateType: 'Standard' });
      expect(edited.json.TemplateId).toBe(created.json.TemplateId);
      expect(subject).toBe('Hello');
      expect(removed.json.ErrorCode).toBe(0);
      expect(postmark.templates.has('reminder')).toBe(false);
    });

    it('answers 404 with ErrorCode 1101 for a missing template', async () => {
      const reply = await api('GET', '/templates/nope');

      expect([reply.status, reply.json.ErrorCode]).toEqual([404, 1101]);
    });

    it('renders the sample template with the sample model exactly like the sample', async () => {
      const template = readJsonFixture('postmark/template.json');
      const reply = await api('POST', '/templates/validate', {
        body: {
          Subject: template.Subject,
          HtmlBody: template.HtmlBody,
          TextBody: template.TextBody,
          TestRenderModel: SAMPLE_MODEL,
        },
      });

      expect(reply.json).toEqual(readJsonFixture('postmark/template-validate-response.json'));
    });

    it('wraps the content in the layout and reports template errors', async () => {
      const withLayout = await api('POST', '/templates/validate', {
        body: {
          HtmlBody: '<p>{{name}}</p>',
          LayoutTemplate: 'basic',
          TestRenderModel: { name: 'A&B' },
        },
      });
      const broken = await api('POST', '/templates/validate', {
        body: { HtmlBody: '{{#each items}}<li>{{name}}</li>', TestRenderModel: {} },
      });

      expect(withLayout.json.HtmlBody.RenderedContent).toBe(
        '<html><body><div class="content"><p>A&amp;B</p></div>' +
          '<p class="footer">Acme Travel</p></body></html>',
      );
      expect(broken.json.AllContentIsValid).toBe(false);
      expect(broken.json.HtmlBody.ValidationErrors).toHaveLength(1);
    });
  });

  describe('outbound messages', () => {
    it('finds a sent message by metadata and shows its details', async () => {
      await api('POST', '/email/withTemplate', { body: message() });
      await api('POST', '/email/withTemplate', {
        body: message({ Metadata: { lead_id: '4410031', send_id: 'm_01JEXAMPLE0002' } }),
      });

      const found = await searchBySendId('m_01JEXAMPLE0002');
      const [summary] = found.json.Messages;
      const details = await api('GET', `/messages/outbound/${summary.MessageID}/details`);
      const asTheNodeClientAsks = await api('GET', `/messages/outbound/${summary.MessageID}`);
      const missing = await api('GET', `/messages/outbound/${ZERO_ID}/details`);

      expect(found.json.TotalCount).toBe(1);
      expect(summary).toMatchObject({
        To: [{ Email: 'marta.quiroga@example.com', Name: null }],
        Status: 'Sent',
        Metadata: { lead_id: '4410031', send_id: 'm_01JEXAMPLE0002' },
      });
      expect(details.json.MessageEvents).toEqual([]);
      expect(asTheNodeClientAsks.json).toEqual(details.json);
      expect(details.json.TextBody).toContain('Dear Marta Quiroga');
      expect([missing.status, missing.json.ErrorCode]).toEqual([422, 701]);
    });
  });

  describe('faults', () => {
    it('fails a send before accepting it', async () => {
      postmark.setFaults({ rate: 1, kinds: ['500'] });
      const failed = await api('POST', '/email/withTemplate', { body: message() });
      postmark.setFaults({ rate: 1, kinds: ['429'] });
      const limited = await api('POST', '/email/withTemplate', { body: message() });

      expect(failed.status).toBe(500);
      expect(limited.status).toBe(429);
      expect(limited.json.ErrorCode).toBeUndefined();
      expect(postmark.sent).toHaveLength(0);
    });

    it('accepts and then never answers on an ambiguous timeout', async () => {
      postmark.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 50, ambiguousTimeouts: true });

      await expect(api('POST', '/email/withTemplate', { body: message() })).rejects.toThrow();
      postmark.setFaults({ rate: 0 });
      const found = await searchBySendId('m_01JEXAMPLE0001');

      expect(postmark.sent).toHaveLength(1);
      expect(found.json.TotalCount).toBe(1);
    });

    it('stores nothing on a plain timeout', async () => {
      postmark.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 50 });

      await expect(api('POST', '/email/withTemplate', { body: message() })).rejects.toThrow();
      expect(postmark.sent).toHaveLength(0);
    });
  });

  describe('webhooks posted to the backend', () => {
    it('posts Delivery, Open and Click in order with the message metadata', async () => {
      const receiver = await startReceiver();
      postmark.autoEvents = {
        url: `${receiver.url}/webhooks/postmark/events`,
        auth: { user: 'pm', password: 'secret' },
        delayMs: 5,
        kinds: ['Delivery', 'Open', 'Click'],
      };

      const sent = await api('POST', '/email/withTemplate', { body: message() });
      await postmark.settle();
      await receiver.stop();
      const events = receiver.received.map((post) => JSON.parse(post.body));
      const details = await api('GET', `/messages/outbound/${sent.json.MessageID}/details`);

      expect(events.map((event) => event.RecordType)).toEqual(['Delivery', 'Open', 'Click']);
      expect(events[0]).toMatchObject({
        MessageID: sent.json.MessageID,
        Recipient: 'marta.quiroga@example.com',
        Tag: 'deal-won-confirmation',
        MessageStream: 'outbound',
        Metadata: { lead_id: '4410021', send_id: 'm_01JEXAMPLE0001' },
      });
      expect(receiver.received[0].headers.authorization).toBe(`Basic ${btoa('pm:secret')}`);
      expect(receiver.received[0].headers['x-pm-webhook-trace-id']).toEqual(expect.any(String));
      expect(details.json.MessageEvents.map((e: any) => e.Type)).toEqual([
        'Delivered',
        'Opened',
        'LinkClicked',
      ]);
    });

    it('posts inbound and event samples byte for byte', async () => {
      const receiver = await startReceiver();
      const inbound = readFixture('postmark/webhook-delivery.json');

      const auth = { user: 'u', password: 'p' };
      const first = await postmark.postInbound(`${receiver.url}/in`, inbound, auth);
      await postmark.postEvent(`${receiver.url}/ev`, { RecordType: 'Delivery' }, auth, 'trace-1');
      await receiver.stop();

      expect(first.status).toBe(200);
      expect(receiver.received[0].body).toBe(inbound);
      expect(receiver.received[0].headers['content-type']).toBe('application/json');
      expect(receiver.received[1].headers['x-pm-webhook-trace-id']).toBe('trace-1');
    });
  });

  describe('server and webhook settings', () => {
    it('records the inbound hook and manages webhooks per stream', async () => {
      const server = await api('PUT', '/server', {
        body: { InboundHookUrl: 'http://127.0.0.1:1/in' },
      });
      const created = await api('POST', '/webhooks', {
        body: {
          Url: 'http://127.0.0.1:1/events',
          MessageStream: 'outbound',
          HttpAuth: { Username: 'pm', Password: 'secret' },
          Triggers: { Delivery: { Enabled: true }, Bounce: { Enabled: true } },
        },
      });
      const listed = await api('GET', '/webhooks?MessageStream=outbound');
      const edited = await api('PUT', `/webhooks/${created.json.ID}`, {
        body: { Triggers: { Open: { Enabled: true } } },
      });
      const removed = await api('DELETE', `/webhooks/${created.json.ID}`);

      expect(server.json.InboundHookUrl).toBe('http://127.0.0.1:1/in');
      expect(created.json.Triggers.Delivery.Enabled).toBe(true);
      expect(created.json.Triggers.Open.Enabled).toBe(false);
      expect(listed.json.Webhooks).toHaveLength(1);
      expect(edited.json.Triggers.Open.Enabled).toBe(true);
      expect(edited.json.Triggers.Delivery.Enabled).toBe(true);
      expect(removed.json.ErrorCode).toBe(0);
      expect(postmark.webhooks).toHaveLength(0);
    });
  });
});

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
