import request from 'supertest';
import { ADMIN_KEY, PIPELINE, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';
import { adminApi, API, concretePath, registeredRoutes } from './support/admin-api';

const INCOMING = 61822001;
const QUALIFIED = 61822002;

describe('admin API: access, documentation, validation, rules and templates', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    api = adminApi(t);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('access', () => {
    const adminRoutes = () =>
      registeredRoutes(t.app).filter((route) => route.path.startsWith(`${API}/`));

    it('finds every admin route in the running app', () => {
      const listed = adminRoutes().map((route) => `${route.method} ${route.path}`);

      expect(listed).toEqual(
        expect.arrayContaining([
          'GET /api/v1/rules',
          'POST /api/v1/rules',
          'PATCH /api/v1/rules/:id',
          'DELETE /api/v1/rules/:id',
          'GET /api/v1/messages',
          'GET /api/v1/messages/:id',
          'POST /api/v1/messages/:id/resend',
          'POST /api/v1/send',
          'GET /api/v1/templates',
          'GET /api/v1/templates/:alias/preview',
          'GET /api/v1/replies/unmatched',
          'POST /api/v1/replies/:id/assign',
          'GET /api/v1/kommo/status',
          'POST /api/v1/kommo/oauth',
          'GET /api/v1/kommo/pipelines',
          'POST /api/v1/setup/webhooks',
        ]),
      );
    });

    it('refuses a missing, wrong or malformed key on every /api/v1 route with 401', async () => {
      const routes = adminRoutes();
      expect(routes.length).toBeGreaterThanOrEqual(16);

      const refusals: string[] = [];
      for (const route of routes) {
        const path = concretePath(route.path);
        for (const authorization of [
          undefined,
          'Bearer wrong-key',
          `Bearer ${ADMIN_KEY}x`,
          `Basic ${ADMIN_KEY}`,
          ADMIN_KEY,
        ]) {
          const call = request(t.url)[route.method.toLowerCase() as 'get'](path).send({});
          const response = await (authorization ? call.set('Authorization', authorization) : call);
          if (response.status !== 401 || response.body.code !== 'unauthorized') {
            refusals.push(
              `${route.method} ${path} with ${authorization ?? 'no key'}: ${response.status}`,
            );
          }
        }
      }

      expect(refusals).toEqual([]);
    });

    it('lets the right key through, in any case of "Bearer"', async () => {
      const response = await request(t.url)
        .get(`${API}/rules`)
        .set('Authorization', `bearer ${ADMIN_KEY}`);

      expect(response.status).toBe(200);
    });

    it('keeps the public routes public', async () => {
      await request(t.url).get('/health').expect(200);
      await request(t.url).get('/docs/openapi.json').expect(200);
    });
  });

  describe('documentation', () => {
    it('describes every admin route, its key and its errors in the OpenAPI document', async () => {
      const document = (await request(t.url).get('/docs/openapi.json').expect(200)).body;
      const undocumented: string[] = [];

      for (const route of registeredRoutes(t.app).filter((r) => r.path.startsWith(`${API}/`))) {
        const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
        const operation = document.paths[path]?.[route.method.toLowerCase()];
        const ok =
          operation?.summary &&
          operation.security?.some((item: object) => 'admin' in item) &&
          operation.responses?.['401']?.content?.['application/json'];
        if (!ok) undocumented.push(`${route.method} ${route.path}`);
      }

      expect(undocumented).toEqual([]);
      expect(document.components.schemas.ApiErrorDto.required).toEqual(['code', 'message']);
      expect(document.paths['/api/v1/rules'].post.responses).toHaveProperty('422');
      expect(document.paths['/api/v1/rules'].post.responses).toHaveProperty('409');
    });
  });

  describe('validation', () => {
    it('names every bad field of a body', async () => {
      const response = await api
        .post('/rules', {
          pipelineId: '7711001',
          templateAlias: '  ',
          resendPolicy: 'sometimes',
          extra: 1,
        })
        .expect(400);

      expect(response.body.code).toBe('validation_failed');
      expect(Object.keys(response.body.fields).sort()).toEqual([
        'extra',
        'pipelineId',
        'resendPolicy',
        'statusId',
        'templateAlias',
      ]);
      expect(response.body.fields.pipelineId).toMatch(/integer/);
      expect(response.body.message).toContain('templateAlias');
    });

    it('names every bad query parameter', async () => {
      const response = await api
        .get('/messages?limit=500&status=lost&from=yesterday&leadId=abc')
        .expect(400);

      expect(Object.keys(response.body.fields).sort()).toEqual([
        'from',
        'leadId',
        'limit',
        'status',
      ]);
    });

    it('names a bad path parameter, and a cursor it never gave out', async () => {
      const rule = await api.patch('/rules/abc', { enabled: false }).expect(400);
      expect(rule.body.fields).toEqual({ id: 'must be a positive integer' });

      const cursor = await api.get('/messages?cursor=bm90LWFuLWlk').expect(400);
      expect(cursor.body.fields).toHaveProperty('cursor');
    });

    it('answers bad JSON in the error shape', async () => {
      const response = await request(t.url)
        .post(`${API}/rules`)
        .set('Authorization', `Bearer ${ADMIN_KEY}`)
        .set('Content-Type', 'application/json')
        .send('{"pipelineId":');

      expect(response.status).toBe(400);
      expect(response.body).toEqual({ code: 'bad_request', message: expect.any(String) });
    });
  });

  describe('stage rules', () => {
    it('lists the rules seeded from STAGE_RULES', async () => {
      const response = await api.get('/rules').expect(200);

      expect(response.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ pipelineId: PIPELINE, templateAlias: 'deal-won-confirmation' }),
        ]),
      );
    });

    it('creates, edits and deletes a rule that Kommo and Postmark both know', async () => {
      const created = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: QUALIFIED,
          templateAlias: 'proposal-sent',
        })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        pipelineId: PIPELINE,
        statusId: QUALIFIED,
        templateAlias: 'proposal-sent',
        enabled: true,
        resendPolicy: 'once',
        note: null,
      });
      const id = created.body.id;

      const edited = await api
        .patch(`/rules/${id}`, { resendPolicy: 'every_entry', note: 'second touch' })
        .expect(200);
      expect(edited.body).toMatchObject({
        id,
        templateAlias: 'proposal-sent',
        resendPolicy: 'every_entry',
      });

      const disabled = await api.patch(`/rules/${id}`, { enabled: false }).expect(200);
      expect(disabled.body).toMatchObject({ enabled: false, note: 'second touch' });

      await api.delete(`/rules/${id}`).expect(204);
      await api.delete(`/rules/${id}`).expect(404);
      await api.patch(`/rules/${id}`, { enabled: true }).expect(404);
      const left = (await api.get('/rules').expect(200)).body.items;
      expect(left.some((rule: { id: number }) => rule.id === id)).toBe(false);
    });

    it('puts a new rule to work at once', async () => {
      const rule = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: INCOMING,
          templateAlias: 'proposal-sent',
        })
        .expect(201);
      const body = t.kommo.moveLeads([
        { leadId: 4410021, pipelineId: PIPELINE, statusId: INCOMING, oldStatusId: QUALIFIED },
      ]);
      await t.kommo.postStatusWebhook(`${t.url}/webhooks/kommo/${WEBHOOK_TOKEN}`, body);
      await t.drain();

      expect(t.postmark.sent.map((email) => email.TemplateAlias)).toContain('proposal-sent');
      await api.delete(`/rules/${rule.body.id}`).expect(204);
    });

    it('answers 422 naming the field Kommo or Postmark does not know', async () => {
      const template = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: QUALIFIED,
          templateAlias: 'no-such-template',
        })
        .expect(422);
      expect(template.body).toMatchObject({ code: 'unknown_reference' });
      expect(Object.keys(template.body.fields)).toEqual(['templateAlias']);

      const stage = await api
        .post('/rules', { pipelineId: PIPELINE, statusId: 99, templateAlias: 'proposal-sent' })
        .expect(422);
      expect(Object.keys(stage.body.fields)).toEqual(['statusId']);

      const pipeline = await api
        .post('/rules', { pipelineId: 123, statusId: 142, templateAlias: 'basic' })
        .expect(422);
      // 'basic' is a layout: it cannot be sent on its own.
      expect(Object.keys(pipeline.body.fields).sort()).toEqual(['pipelineId', 'templateAlias']);
    });

    it('checks only what an edit changes, and refuses an unknown new template', async () => {
      const rule = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: QUALIFIED,
          templateAlias: 'proposal-sent',
        })
        .expect(201);
      // The template disappears from Postmark; the rule can still be switched off.
      const saved = t.postmark.templates.get('proposal-sent')!;
      t.postmark.templates.delete('proposal-sent');
      try {
        await api.patch(`/rules/${rule.body.id}`, { enabled: false }).expect(200);
        const unknown = await api
          .patch(`/rules/${rule.body.id}`, { templateAlias: 'gone' })
          .expect(422);
        expect(Object.keys(unknown.body.fields)).toEqual(['templateAlias']);
      } finally {
        t.postmark.templates.set('proposal-sent', saved);
        await api.delete(`/rules/${rule.body.id}`).expect(204);
      }
    });

    it('answers 409 for a second rule on the same stage, on create and on edit', async () => {
      const first = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: QUALIFIED,
          templateAlias: 'proposal-sent',
        })
        .expect(201);
      const again = await api
        .post('/rules', {
          pipelineId: PIPELINE,
          statusId: QUALIFIED,
          templateAlias: 'deal-won-confirmation',
        })
        .expect(409);
      expect(again.body).toMatchObject({
        code: 'rule_exists',
        fields: { statusId: expect.any(String) },
      });

      const other = await api
        .post('/rules', { pipelineId: PIPELINE, statusId: 143, templateAlias: 'proposal-sent' })
        .expect(201);
      await api.patch(`/rules/${other.body.id}`, { statusId: QUALIFIED }).expect(409);

      await api.delete(`/rules/${first.body.id}`).expect(204);
      await api.delete(`/rules/${other.body.id}`).expect(204);
    });
  });

  describe('templates', () => {
    it('lists standard templates, marking those a rule uses', async () => {
      const response = await api.get('/templates').expect(200);

      const aliases = response.body.items.map((item: { alias: string }) => item.alias);

      expect(aliases).not.toContain('basic');
      expect(response.body.items).toEqual(
        expect.arrayContaining([
          { alias: 'proposal-sent', name: 'Proposal sent', usedByRule: true },
          { alias: 'deal-won-confirmation', name: 'Deal won confirmation', usedByRule: true },
        ]),
      );
    });

    it('previews a template for a lead with what the worker would send', async () => {
      const response = await api
        .get('/templates/deal-won-confirmation/preview?leadId=4410021')
        .expect(200);

      expect(response.body).toMatchObject({
        subject: 'Your booking is confirmed, Marta Quiroga!',
        missingVariables: [],
        valid: true,
        errors: [],
        recipient: 'marta.quiroga@example.com',
        problem: null,
      });
      expect(response.body.htmlBody).toContain('Corporate retreat, 40 guests');
      expect(response.body.textBody).toContain('Amount: 12500');
    });

    it('names the variables the lead leaves empty', async () => {
      t.postmark.addTemplate({
        Alias: 'check-in-reminder',
        Name: 'Check-in reminder',
        Subject: 'See you on {{lead.custom_fields.check_in}}',
        TextBody: 'Hello {{client_name}}, {{responsible.name}} from {{lead.custom_fields.source}}',
        HtmlBody: null,
        LayoutTemplate: null,
      });
      const response = await api
        .get('/templates/check-in-reminder/preview?leadId=4410021&email=marta.private@example.org')
        .expect(200);

      expect(response.body.missingVariables).toEqual(['lead.custom_fields.check_in']);
      expect(response.body.recipient).toBe('marta.private@example.org');
      expect(response.body.subject).toBe('See you on ');
    });

    it('answers 404 for an unknown template, layout or lead; 400 without a lead', async () => {
      const template = await api.get('/templates/nope/preview?leadId=4410021').expect(404);
      expect(template.body.code).toBe('template_not_found');
      await api.get('/templates/basic/preview?leadId=4410021').expect(404);

      const lead = await api.get('/templates/proposal-sent/preview?leadId=999').expect(404);
      expect(lead.body.code).toBe('lead_not_found');

      const missing = await api.get('/templates/proposal-sent/preview').expect(400);
      expect(missing.body.fields).toHaveProperty('leadId');

      const stranger = await api
        .get('/templates/proposal-sent/preview?leadId=4410021&email=jorge@example.com')
        .expect(422);
      expect(Object.keys(stranger.body.fields)).toEqual(['email']);
    });
  });

  describe('Kommo', () => {
    it('lists pipelines and stages', async () => {
      const response = await api.get('/kommo/pipelines').expect(200);

      expect(response.body.items[0]).toMatchObject({
        id: PIPELINE,
        name: 'Sales',
        stages: expect.arrayContaining([{ id: QUALIFIED, name: expect.any(String) }]),
      });
    });

    it('reports the long-lived token mode and refuses an OAuth code in it', async () => {
      const status = await api.get('/kommo/status').expect(200);
      expect(status.body).toMatchObject({
        account: 'acmetravel',
        mode: 'long_lived',
        connected: true,
        blocked: false,
        webhook: { registered: false, disabled: false, destinations: [] },
      });

      const refused = await api.post('/kommo/oauth', { code: 'abc' }).expect(409);
      expect(refused.body.code).toBe('long_lived_token_configured');
      await api.post('/kommo/oauth', {}).expect(400);
    });
  });
});
