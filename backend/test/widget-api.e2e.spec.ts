import { LeadMessageDto, StageRuleInput, TemplateSummary } from '@kp/shared';
import request from 'supertest';
import { POSTMARK_AUTH, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';
import { WIDGET_AUDIENCE, widgetToken } from './support/widget-token';

const LEAD = 4410021;
const PIPELINE = 7711001;
const QUALIFIED = 61822002;
const MARTA = 'marta.quiroga@example.com';

describe('the widget API against the simulators', () => {
  let t: TestApp;
  let requestNumber = 0;

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { WIDGET_TOKEN_AUDIENCE: WIDGET_AUDIENCE } });

    t.kommo.addLead({ id: 4410050, name: 'Walk-in, no contact yet', pipeline_id: PIPELINE });
    t.kommo.addLead({ id: 4410051, name: 'Phone-only client', pipeline_id: PIPELINE }, [
      { id: 2290570, name: 'Ivo Phone', custom_fields_values: null },
    ]);
    t.postmark.addTemplate({
      Alias: 'check-in-reminder',
      Name: 'Check-in reminder',
      Subject: 'See you soon, {{client_name}}',
      HtmlBody: '<p>Check-in on {{lead.custom_fields.check_in_date}}, {{contact.phone}}</p>',
      TextBody: 'Check-in on {{lead.custom_fields.check_in_date}}',
    });
  });

  afterAll(() => t.close());

  beforeEach(() => {
    t.postmark.reset();
    t.postmark.autoEvents = undefined;
  });

  // Whatever a test queued goes out before the next one counts Postmark's sends.
  afterEach(() => t.drain());

  const as = (token = widgetToken()) => ({
    get: (path: string) => request(t.url).get(path).set('X-Auth-Token', token),
    post: (path: string, body: object) =>
      request(t.url).post(path).set('X-Auth-Token', token).send(body),
    put: (path: string, body: object) =>
      request(t.url).put(path).set('X-Auth-Token', token).send(body),
  });

  const nextRequestId = () => `test-request-${(requestNumber += 1)}-${Date.now()}`;

  describe('templates', () => {
    it('lists Standard templates only, the ones stage rules use first', async () => {
      const response = await as().get('/widget/templates').expect(200);
      const templates = response.body as TemplateSummary[];

      expect(templates).toEqual([
        { alias: 'deal-won-confirmation', name: 'Deal won confirmation', usedByRule: true },
        { alias: 'proposal-sent', name: 'Proposal sent', usedByRule: true },
        { alias: 'check-in-reminder', name: 'Check-in reminder', usedByRule: false },
      ]);
    });
  });

  describe('recipients', () => {
    it("offers the main contact's addresses, the WORK address as default", async () => {
      const response = await as().get(`/widget/leads/${LEAD}/recipients`).expect(200);

      expect(response.body).toEqual({
        leadId: LEAD,
        problem: null,
        recipients: [
          {
            contactId: 2290550,
            contactName: 'Marta Quiroga',
            email: MARTA,
            kind: 'WORK',
            isDefault: true,
          },
          {
            contactId: 2290550,
            contactName: 'Marta Quiroga',
            email: 'marta.private@example.org',
            kind: 'PRIV',
            isDefault: false,
          },
        ],
      });
    });

    it('says when the lead has no contact, or no address', async () => {
      const noContact = await as().get('/widget/leads/4410050/recipients').expect(200);
      const noEmail = await as().get('/widget/leads/4410051/recipients').expect(200);

      expect(noContact.body).toEqual({ leadId: 4410050, recipients: [], problem: 'no_contact' });
      expect(noEmail.body).toEqual({ leadId: 4410051, recipients: [], problem: 'no_email' });
    });

    it('answers clearly for an unsaved lead, a bad id and a lead Kommo does not have', async () => {
      const unsaved = await as().get('/widget/leads/0/recipients').expect(422);
      const notAnId = await as().get('/widget/leads/abc/messages').expect(404);
      const unknown = await as().get('/widget/leads/4419999/recipients').expect(404);

      expect(unsaved.body).toMatchObject({ code: 'lead_unsaved' });
      expect(unsaved.body.message).toMatch(/save the lead/);
      expect(notAnId.body.code).toBe('lead_not_found');
      expect(unknown.body).toMatchObject({ code: 'lead_not_found' });
      expect(unknown.body.message).toContain('4419999');
    });
  });

  describe('preview', () => {
    it("renders the template with the lead's data, nothing sent", async () => {
      const response = await as()
        .post('/widget/preview', { leadId: LEAD, templateAlias: 'deal-won-confirmation' })
        .expect(200);

      expect(response.body).toMatchObject({
        subject: 'Your booking is confirmed, Marta Quiroga!',
        missingVariables: [],
        valid: true,
        errors: [],
      });
      expect(response.body.htmlBody).toContain('Dear Marta Quiroga');
      expect(response.body.htmlBody).toContain('Acme Travel');
      expect(response.body.textBody).toContain('Deal Corporate retreat, 40 guests (ID 4410021)');
      expect(t.postmark.sent).toHaveLength(0);
    });

    it('lists the variables this lead leaves empty', async () => {
      const response = await as()
        .post('/widget/preview', { leadId: LEAD, templateAlias: 'check-in-reminder' })
        .expect(200);

      expect(response.body.subject).toBe('See you soon, Marta Quiroga');
      expect(response.body.missingVariables).toEqual([
        'lead.custom_fields.check_in_date',
        'contact.phone',
      ]);
    });

    it('previews a lead without a contact, naming what is missing', async () => {
      const response = await as()
        .post('/widget/preview', { leadId: 4410050, templateAlias: 'deal-won-confirmation' })
        .expect(200);

      expect(response.body.subject).toBe('Your booking is confirmed, !');
      expect(response.body.missingVariables).toEqual(['client_name']);
    });

    it('answers 422 template_error for a template Postmark does not have', async () => {
      const response = await as()
        .post('/widget/preview', { leadId: LEAD, templateAlias: 'no-such-template' })
        .expect(422);

      expect(response.body.code).toBe('template_error');
      expect(response.body.message).toContain('no-such-template');
    });

    it('names every invalid field of the request', async () => {
      const response = await as().post('/widget/preview', { leadId: 0 }).expect(422);

      expect(response.body.code).toBe('invalid_request');
      expect(Object.keys(response.body.fields)).toEqual(['leadId', 'templateAlias']);
      expect(response.body.fields.leadId).toMatch(/saved lead/);
    });
  });

  describe('send', () => {
    it('queues once per request id: a repeated request answers the same message', async () => {
      const body = {
        leadId: LEAD,
        templateAlias: 'deal-won-confirmation',
        requestId: nextRequestId(),
      };

      const first = await as().post('/widget/send', body).expect(201);
      const again = await as().post('/widget/send', body).expect(200);
      await t.drain();
      const late = await as().post('/widget/send', body).expect(200);

      expect(first.body.message).toMatchObject({
        leadId: LEAD,
        templateAlias: 'deal-won-confirmation',
        recipient: MARTA,
        status: 'queued',
        events: [],
      });
      expect(again.body.message.id).toBe(first.body.message.id);
      expect(late.body.message).toMatchObject({ id: first.body.message.id, status: 'sent' });
      expect(t.postmark.sent).toHaveLength(1);
      expect(t.postmark.sent[0]).toMatchObject({
        To: MARTA,
        TemplateAlias: 'deal-won-confirmation',
      });

      const row = await t.database.db
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', first.body.message.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ source: 'widget', dedupe_key: `widget:${body.requestId}` });
    });

    it('sends one email when a double click sends the same request twice at once', async () => {
      const body = { leadId: LEAD, templateAlias: 'proposal-sent', requestId: nextRequestId() };

      const answers = await Promise.all([
        as().post('/widget/send', body),
        as().post('/widget/send', body),
      ]);
      await t.drain();

      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
      expect(new Set(answers.map((answer) => answer.body.message.id)).size).toBe(1);
      expect(t.postmark.sent).toHaveLength(1);
    });

    it('sends to the chosen address if the contact has it, however it is typed', async () => {
      const response = await as()
        .post('/widget/send', {
          leadId: LEAD,
          templateAlias: 'proposal-sent',
          email: ' Marta.Private@Example.org ',
          requestId: nextRequestId(),
        })
        .expect(201);
      await t.drain();

      expect(response.body.message.recipient).toBe('marta.private@example.org');
      expect(t.postmark.sent.map((email) => email.To)).toEqual(['marta.private@example.org']);
    });

    it('refuses a stranger’s address, and leads nobody can be emailed at', async () => {
      const stranger = await as()
        .post('/widget/send', {
          leadId: LEAD,
          templateAlias: 'proposal-sent',
          email: 'someone@elsewhere.example',
          requestId: nextRequestId(),
        })
        .expect(422);
      const noContact = await as()
        .post('/widget/send', {
          leadId: 4410050,
          templateAlias: 'proposal-sent',
          requestId: nextRequestId(),
        })
        .expect(422);
      const noEmail = await as()
        .post('/widget/send', {
          leadId: 4410051,
          templateAlias: 'proposal-sent',
          requestId: nextRequestId(),
        })
        .expect(422);

      expect(stranger.body).toMatchObject({ code: 'recipient_not_on_lead' });
      expect(stranger.body.fields.email).toEqual(expect.any(String));
      expect(noContact.body.code).toBe('no_contact');
      expect(noEmail.body.code).toBe('no_email');
    });

    it('refuses to reuse a request id for another email', async () => {
      const requestId = nextRequestId();
      await as()
        .post('/widget/send', { leadId: LEAD, templateAlias: 'proposal-sent', requestId })
        .expect(201);

      const response = await as()
        .post('/widget/send', { leadId: LEAD, templateAlias: 'deal-won-confirmation', requestId })
        .expect(409);

      expect(response.body.code).toBe('request_id_reused');
    });

    it('validates the request before anything else', async () => {
      const response = await as()
        .post('/widget/send', { leadId: 'x', templateAlias: '', requestId: 'no spaces allowed' })
        .expect(422);

      expect(Object.keys(response.body.fields).sort()).toEqual([
        'leadId',
        'requestId',
        'templateAlias',
      ]);
    });
  });

  describe('messages', () => {
    it('lists the lead’s emails newest first, with the events Postmark posts', async () => {
      t.postmark.autoEvents = {
        url: `${t.url}/webhooks/postmark/events`,
        auth: POSTMARK_AUTH,
        delayMs: 5,
        kinds: ['Delivery', 'Open'],
      };
      const sent = await as()
        .post('/widget/send', {
          leadId: 4410031,
          templateAlias: 'proposal-sent',
          requestId: nextRequestId(),
        })
        .expect(201);
      await t.drain();
      await t.postmark.settle();
      const newer = await as()
        .post('/widget/send', {
          leadId: 4410031,
          templateAlias: 'deal-won-confirmation',
          requestId: nextRequestId(),
        })
        .expect(201);

      const response = await as().get('/widget/leads/4410031/messages').expect(200);
      const messages = response.body.messages as LeadMessageDto[];

      expect(response.body.leadId).toBe(4410031);
      expect(messages.map((message) => message.id)).toEqual([
        newer.body.message.id,
        sent.body.message.id,
      ]);
      expect(messages[1]).toMatchObject({
        status: 'opened',
        recipient: 'no.such.person@example.net',
      });
      expect(messages[1].sentAt).toEqual(expect.any(String));
      expect(messages[1].events.map((event) => event.type)).toEqual(['delivered', 'opened']);
      expect(messages[0]).toMatchObject({ status: 'queued', events: [] });
    });

    it('answers an empty list for a lead we never emailed', async () => {
      const response = await as().get('/widget/leads/4410033/messages').expect(200);

      expect(response.body).toEqual({ leadId: 4410033, messages: [] });
    });
  });

  describe('stage rules', () => {
    const rule = (overrides: Partial<StageRuleInput> = {}): StageRuleInput => ({
      pipelineId: PIPELINE,
      statusId: QUALIFIED,
      templateAlias: 'proposal-sent',
      enabled: true,
      resendPolicy: 'once',
      note: null,
      ...overrides,
    });

    it("shows the rules with Kommo's pipelines in Kommo's order and the templates", async () => {
      const response = await as().get('/widget/rules').expect(200);

      expect(response.body.rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ pipelineId: PIPELINE, templateAlias: 'deal-won-confirmation' }),
        ]),
      );
      expect(response.body.pipelines).toEqual([
        {
          id: PIPELINE,
          name: 'Sales',
          stages: [
            { id: 61822001, name: 'Incoming' },
            { id: 61822002, name: 'Qualified' },
            { id: 61822003, name: 'Proposal sent' },
            { id: 142, name: 'Closed - won' },
            { id: 143, name: 'Closed - lost' },
          ],
        },
      ]);
      expect(response.body.templates.map((template: TemplateSummary) => template.alias)).toContain(
        'check-in-reminder',
      );
    });

    it('refuses two rules for one stage and enabled rules with unknown templates', async () => {
      const response = await as()
        .put('/widget/rules', {
          rules: [
            rule(),
            rule({ templateAlias: 'deal-won-confirmation' }),
            rule({ statusId: 142, templateAlias: 'gone' }),
          ],
        })
        .expect(422);

      expect(response.body.code).toBe('invalid_rules');
      expect(Object.keys(response.body.fields)).toEqual(['rules.1', 'rules.2.templateAlias']);
    });

    it('refuses malformed rules field by field', async () => {
      const response = await as()
        .put('/widget/rules', { rules: [{ ...rule(), resendPolicy: 'always', statusId: -1 }] })
        .expect(422);

      expect(response.body.code).toBe('invalid_request');
      expect(Object.keys(response.body.fields).sort()).toEqual([
        'rules.0.resendPolicy',
        'rules.0.statusId',
      ]);
    });

    it('saves the set, and the new rule fires when Kommo reports the stage change', async () => {
      const saved = await as()
        .put('/widget/rules', {
          rules: [rule(), rule({ statusId: 143, templateAlias: 'gone-template', enabled: false })],
        })
        .expect(200);

      expect(saved.body.rules).toEqual([
        expect.objectContaining({ statusId: 143, enabled: false }),
        expect.objectContaining(rule()),
      ]);

      const webhook = t.kommo.buildStatusWebhook([
        { leadId: LEAD, pipelineId: PIPELINE, statusId: QUALIFIED, oldStatusId: 61822001 },
      ]);
      await request(t.url)
        .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(webhook)
        .expect(200);
      await t.drain();

      expect(t.postmark.sent).toEqual([
        expect.objectContaining({ TemplateAlias: 'proposal-sent', To: MARTA }),
      ]);
    });
  });
});

describe('the widget API when Kommo or Postmark is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { WIDGET_TOKEN_AUDIENCE: WIDGET_AUDIENCE } });
  });

  afterAll(() => t.close());

  const get = (path: string) => request(t.url).get(path).set('X-Auth-Token', widgetToken());

  it('answers 503 when Postmark does not answer', async () => {
    await t.postmark.stop();

    const response = await get('/widget/templates').expect(503);

    expect(response.body.code).toBe('postmark_unavailable');
  });

  it('answers 503 while Kommo has blocked the account', async () => {
    t.kommo.blockAccount(true);

    const response = await get(`/widget/leads/${LEAD}/recipients`).expect(503);

    expect(response.body.code).toBe('kommo_blocked');
  });
});
