import * as qs from 'qs';
import { readFixture, readJsonFixture } from '../common/fixtures';
import { call, startReceiver, type CallOptions } from '../testing/http';
import { KommoSimulator } from './kommo.simulator';

const TOKEN = { Authorization: 'Bearer kommo-test-token' };

describe('KommoSimulator', () => {
  // A generous limit here; the rate limit has its own simulator below.
  const kommo = new KommoSimulator({ rateLimitPerSecond: 10_000 });
  const api = (method: string, path: string, options: CallOptions = {}) =>
    call(kommo.url, method, path, { ...options, headers: { ...TOKEN, ...options.headers } });

  beforeAll(() => kommo.start());
  afterAll(() => kommo.stop());
  beforeEach(() => kommo.reset());

  describe('leads', () => {
    it('returns the sample lead with only {id, is_main, _links} per contact', async () => {
      const reply = await api('GET', '/api/v4/leads?filter[id][]=4410021&with=contacts&limit=250');
      const sample = readJsonFixture('kommo/lead.json');
      const [lead] = reply.json._embedded.leads;

      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/hal+json');
      expect(reply.json._page).toBe(1);
      expect(lead.name).toBe(sample.name);
      expect(lead.custom_fields_values).toEqual(sample.custom_fields_values);
      expect(lead._embedded.contacts).toEqual([
        { id: 2290551, is_main: false, _links: expect.any(Object) },
        { id: 2290550, is_main: true, _links: expect.any(Object) },
      ]);
    });

    it('leaves contacts out unless with=contacts is asked', async () => {
      const reply = await api('GET', '/api/v4/leads/4410021');

      expect(reply.json._embedded.contacts).toBeUndefined();
      expect(reply.json._embedded.tags).toEqual([{ id: 90211, name: 'corporate', color: null }]);
    });

    it('answers 204 with no body when nothing matches', async () => {
      const list = await api('GET', '/api/v4/leads?filter[id][]=999');
      const single = await api('GET', '/api/v4/leads/999?with=contacts');

      expect([list.status, list.text]).toEqual([204, '']);
      expect([single.status, single.text]).toEqual([204, '']);
    });

    it('accepts the single filter[id]=N form', async () => {
      const reply = await api('GET', '/api/v4/leads?filter[id]=4410033');

      expect(reply.json._embedded.leads.map((lead: any) => lead.status_id)).toEqual([142]);
    });

    it('rejects a limit above 250 with a problem+json validation error', async () => {
      const reply = await api('GET', '/api/v4/leads?limit=251');

      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.json).toMatchObject({ title: 'Bad Request', status: 400 });
      expect(reply.json['validation-errors'][0].errors[0].path).toBe('limit');
    });

    it('pages 250 at a time and links the next page with the same filter', async () => {
      const ids = kommo.generateLeads(300, { firstId: 6_000_001 });
      const query = qs.stringify({ filter: { id: ids }, limit: 250 }, { arrayFormat: 'brackets' });

      const first = await api('GET', `/api/v4/leads?${query}`);
      const nextHref: string = first.json._links.next.href;
      const second = await call(nextHref, 'GET', '', { headers: TOKEN });

      expect(first.json._embedded.leads).toHaveLength(250);
      expect(nextHref.startsWith(kommo.url)).toBe(true);
      expect(second.json._page).toBe(2);
      expect(second.json._embedded.leads).toHaveLength(50);
      expect(second.json._links.next).toBeUndefined();
    });

    it('generates leads whose main contact has a WORK email', async () => {
      const [id] = kommo.generateLeads(1, { firstId: 6_100_001, statusId: 142 });
      const lead = kommo.leads.get(id);
      const contact = kommo.contacts.get(lead!._embedded.contacts[0].id);

      expect(lead!._embedded.contacts[0].is_main).toBe(true);
      expect(lead!.status_id).toBe(142);
      expect(contact!.custom_fields_values![0].values[0]).toMatchObject({
        value: `lead${id}@example.com`,
        enum_code: 'WORK',
      });
    });
  });

  describe('contacts', () => {
    it('returns the sample contact as stored', async () => {
      const reply = await api('GET', '/api/v4/contacts/2290550');
      const { _links, ...sample } = readJsonFixture('kommo/contact.json');

      expect({ ...reply.json, _links: undefined }).toEqual({ ...sample, _links: undefined });
    });

    it('finds a contact by email, trimmed and case-insensitive', async () => {
      const reply = await api('GET', '/api/v4/contacts?query=marta.quiroga@example.com');
      const none = await api('GET', '/api/v4/contacts?query=nobody@example.com');

      expect(reply.json._embedded.contacts.map((c: any) => c.id)).toEqual([2290550]);
      expect(none.status).toBe(204);
    });

    it('lists the leads of a contact when with=leads is asked', async () => {
      const reply = await api('GET', '/api/v4/contacts?filter[id][]=2290551&with=leads');

      expect(reply.json._embedded.contacts[0]._embedded.leads).toEqual([
        { id: 4410021, _links: expect.any(Object) },
      ]);
    });

    it('adds tags with tags_to_add and replaces them with _embedded.tags', async () => {
      kommo.addContact({ id: 2290599, name: 'Tag Test', _embedded: { tags: [] } });

      await api('PATCH', '/api/v4/contacts', {
        body: [{ id: 2290599, tags_to_add: [{ name: 'vip' }] }],
      });
      const added = await api('PATCH', '/api/v4/contacts', {
        body: [{ id: 2290599, tags_to_add: [{ name: 'bounced' }] }],
      });
      const afterAdd = kommo.contacts.get(2290599)!._embedded.tags.map((tag) => tag.name);

      await api('PATCH', '/api/v4/contacts', {
        body: [{ id: 2290599, _embedded: { tags: [{ name: 'only-this' }] } }],
      });
      const afterReplace = kommo.contacts.get(2290599)!._embedded.tags.map((tag) => tag.name);

      expect(added.json._embedded.contacts[0]).toMatchObject({
        id: 2290599,
        updated_at: expect.any(Number),
      });
      expect(afterAdd).toEqual(['vip', 'bounced']);
      expect(afterReplace).toEqual(['only-this']);
    });

    it('rejects an update of a contact that does not exist', async () => {
      const reply = await api('PATCH', '/api/v4/contacts', {
        body: [{ id: 1, tags_to_add: [{ name: 'x' }] }],
      });

      expect(reply.status).toBe(400);
    });
  });

  describe('notes', () => {
    const note = (entityId: number, text = 'Sent proposal-sent to the client') => ({
      entity_id: entityId,
      note_type: 'common',
      params: { text },
    });

    it('adds notes and answers with their ids', async () => {
      const reply = await api('POST', '/api/v4/leads/notes', {
        body: [note(4410021), { ...note(4410031), note_type: 'service_message' }],
      });

      expect(reply.status).toBe(200);
      expect(reply.json._embedded.notes).toEqual([
        { id: expect.any(Number), entity_id: 4410021, request_id: '0', _links: expect.any(Object) },
        { id: expect.any(Number), entity_id: 4410031, request_id: '1', _links: expect.any(Object) },
      ]);
      expect(kommo.notes.map((n) => n.note_type)).toEqual(['common', 'service_message']);
    });

    it.each([
      ['more than 50 notes', Array.from({ length: 51 }, () => note(4410021))],
      ['a lead that does not exist', [note(4410021), note(999)]],
      ['an empty text', [note(4410021, '  ')]],
      ['an unknown note type', [{ ...note(4410021), note_type: 'sms' }]],
    ])('rejects %s without storing anything', async (_case, body) => {
      const reply = await api('POST', '/api/v4/leads/notes', { body });

      expect(reply.status).toBe(400);
      expect(reply.json['validation-errors'].length).toBeGreaterThan(0);
      expect(kommo.notes).toHaveLength(0);
    });
  });

  describe('account data', () => {
    it('serves pipelines, users and the account', async () => {
      const pipelines = await api('GET', '/api/v4/leads/pipelines');
      const users = await api('GET', '/api/v4/users?limit=250');
      const user = await api('GET', '/api/v4/users/8123401');
      const account = await api('GET', '/api/v4/account');

      const statuses = pipelines.json._embedded.pipelines[0]._embedded.statuses;
      expect(statuses.map((s: any) => s.id)).toEqual([61822001, 61822002, 61822003, 142, 143]);
      expect(users.json._embedded.users).toHaveLength(1);
      expect(user.json).toMatchObject({ id: 8123401, name: 'Lucía Fernández' });
      expect(account.json).toMatchObject({ id: 30127781, subdomain: 'acmetravel' });
    });

    it('registers webhooks once per destination and shows Kommo disabling them', async () => {
      const destination = 'https://example.test/webhooks/kommo/secret';
      const empty = await api('GET', '/api/v4/webhooks');

      await api('POST', '/api/v4/webhooks', { body: { destination, settings: ['status_lead'] } });
      await api('POST', '/api/v4/webhooks', { body: { destination, settings: ['status_lead'] } });
      kommo.disableWebhook(destination);
      const listed = await api('GET', '/api/v4/webhooks');

      expect(empty.status).toBe(204);
      expect(listed.json._embedded.webhooks).toEqual([
        expect.objectContaining({ destination, settings: ['status_lead'], disabled: true }),
      ]);
    });
  });

  describe('auth', () => {
    const grant = (body: Record<string, string>) =>
      call(kommo.url, 'POST', '/oauth2/access_token', {
        body: {
          client_id: 'kommo-test-client',
          client_secret: 'kommo-test-secret',
          redirect_uri: 'https://backend.example.test/oauth/kommo',
          ...body,
        },
      });

    it('rejects calls without a valid bearer token with a JSON problem', async () => {
      const reply = await call(kommo.url, 'GET', '/api/v4/account');

      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
    });

    it('exchanges a code once and accepts the new access token', async () => {
      const sample = readJsonFixture('kommo/oauth-token.json');
      const code = kommo.issueOAuthCode();
      const first = await grant({ grant_type: 'authorization_code', code });
      const again = await grant({ grant_type: 'authorization_code', code });
      const account = await call(kommo.url, 'GET', '/api/v4/account', {
        headers: { Authorization: `Bearer ${first.json.access_token}` },
      });

      expect(Object.keys(first.json)).toEqual(Object.keys(sample));
      expect(again.status).toBe(400);
      expect(account.status).toBe(200);
    });

    it('treats refresh tokens as single-use and counts every refresh', async () => {
      const { refresh_token } = kommo.issueTokenPair();
      const first = await grant({ grant_type: 'refresh_token', refresh_token });
      const reused = await grant({ grant_type: 'refresh_token', refresh_token });

      expect(first.status).toBe(200);
      expect(first.json.refresh_token).not.toBe(refresh_token);
      expect(reused.status).toBe(400);
      expect(reused.headers.get('content-type')).toBe('application/problem+json');
      expect(reused.json).toMatchObject({ hint: 'Token has been revoked', title: 'Bad request' });
      expect(kommo.refreshCount).toBe(2);
    });

    it('loses the token family when a spent refresh token comes back', async () => {
      const { refresh_token } = kommo.issueTokenPair();
      const fresh = await grant({ grant_type: 'refresh_token', refresh_token });
      await grant({ grant_type: 'refresh_token', refresh_token });
      const next = await grant({
        grant_type: 'refresh_token',
        refresh_token: fresh.json.refresh_token,
      });
      const account = await call(kommo.url, 'GET', '/api/v4/account', {
        headers: { Authorization: `Bearer ${fresh.json.access_token}` },
      });

      expect(next.status).toBe(400);
      expect(account.status).toBe(401);
    });

    it('refuses access tokens once they expire', async () => {
      kommo.setAccessTokenTtl(0);
      const { access_token } = kommo.issueTokenPair();
      kommo.setAccessTokenTtl(86_400);

      const reply = await call(kommo.url, 'GET', '/api/v4/account', {
        headers: { Authorization: `Bearer ${access_token}` },
      });

      expect(reply.status).toBe(401);
    });

    it('answers 403 with HTML while the account is blocked', async () => {
      kommo.blockAccount(true);
      const blocked = await api('GET', '/api/v4/account');
      kommo.blockAccount(false);

      expect(blocked.status).toBe(403);
      expect(blocked.headers.get('content-type')).toBe('text/html');
      expect(blocked.text).toContain('403 Forbidden');
    });
  });

  describe('faults', () => {
    afterEach(() => kommo.setFaults({ rate: 0 }));

    it('fails before any side effect', async () => {
      kommo.setFaults({ rate: 1, kinds: ['500'] });
      const reply = await api('POST', '/api/v4/leads/notes', {
        body: [{ entity_id: 4410021, note_type: 'common', params: { text: 'x' } }],
      });

      expect(reply.status).toBe(500);
      expect(kommo.notes).toHaveLength(0);
    });

    it('holds a timed-out request and then drops the socket', async () => {
      kommo.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 50 });

      await expect(api('GET', '/api/v4/account')).rejects.toThrow();
      expect(kommo.requests.at(-1)!.status).toBe(0);
    });

    it('draws the same failures from the same seed', async () => {
      const pattern = async () => {
        kommo.setFaults({ rate: 0.5, kinds: ['429', '500'], seed: 42 });
        const replies = [];
        for (let i = 0; i < 8; i++) {
          replies.push((await api('GET', '/api/v4/account')).status);
        }

        return replies;
      };

      const first = await pattern();

      expect(await pattern()).toEqual(first);
      expect(new Set(first).size).toBeGreaterThan(1);
    });
  });

  describe('stage-change webhooks', () => {
    it('builds the exact bytes of the sample webhook', () => {
      const body = kommo.buildStatusWebhook([
        { leadId: 4410021, statusId: 61822003, oldStatusId: 61822002, pipelineId: 7711001 },
      ]);

      expect(body).toBe(readFixture('kommo/status-webhook.form.txt').trimEnd());
    });

    it('builds the multi-lead sample (same fields, account last)', () => {
      const body = kommo.buildStatusWebhook([
        { leadId: 4410031, statusId: 61822003, oldStatusId: 61822002, pipelineId: 7711001 },
        { leadId: 4410032, statusId: 61822003, oldStatusId: 61822001, pipelineId: 7711001 },
        { leadId: 4410033, statusId: 142, oldStatusId: 61822003, pipelineId: 7711001 },
      ]);
      const sample = readFixture('kommo/status-webhook-multi.form.txt').trimEnd();

      expect(qs.parse(body)).toEqual(qs.parse(sample));
    });

    it('posts the form to a target the way Kommo does', async () => {
      const receiver = await startReceiver();
      const body = kommo.moveLeads([
        { leadId: 4410031, statusId: 142, oldStatusId: 61822003, pipelineId: 7711001 },
      ]);

      const answer = await kommo.postStatusWebhook(`${receiver.url}/webhooks/kommo/t0ken`, body);
      await receiver.stop();

      expect(answer.status).toBe(200);
      const [post] = receiver.received;
      expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(post.body).toBe(body);
      expect(kommo.leads.get(4410031)!.status_id).toBe(142);
    });
  });
});

describe('KommoSimulator rate limit', () => {
  const kommo = new KommoSimulator();
  const get = () => call(kommo.url, 'GET', '/api/v4/account', { headers: TOKEN });

  beforeAll(() => kommo.start());
  afterAll(() => kommo.stop());

  it('answers 429 in HTML, without Retry-After, beyond 7 requests a second', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, get));
    const limited = replies.filter((reply) => reply.status === 429);

    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(7);
    expect(limited).toHaveLength(3);
    expect(limited[0].text).toBe(readFixture('kommo/error-429.html'));
    expect(limited[0].headers.get('content-type')).toBe('text/html');
    expect(limited[0].headers.get('retry-after')).toBeNull();
    expect(kommo.countCalls()).toBe(10);
  });

  it('admits requests again once the window moves on; a 429 stores nothing', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1050));
    kommo.reset();

    const body = [{ entity_id: 4410021, note_type: 'common', params: { text: 'hello' } }];
    const replies = await Promise.all(
      Array.from({ length: 9 }, () =>
        call(kommo.url, 'POST', '/api/v4/leads/notes', { body, headers: TOKEN }),
      ),
    );

    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(7);
    expect(kommo.notes).toHaveLength(7);
  });
});
