import { setupWebhooks } from '../src/cli/setup-webhooks';
import { adminApi } from './support/admin-api';
import {
  ADMIN_KEY,
  APP_SECRET,
  POSTMARK_AUTH,
  startTestApp,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/app';

const PUBLIC_URL = 'https://kp.acmetravel.example';
const SECRETS = [
  WEBHOOK_TOKEN,
  POSTMARK_AUTH.password,
  ADMIN_KEY,
  APP_SECRET,
  'postmark-test-token',
];

describe('setting up the webhooks', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
    api = adminApi(t);
  });

  afterEach(async () => {
    await t.close();
  });

  const expectOneOfEach = (base = PUBLIC_URL) => {
    expect(
      t.kommo.webhooks.filter((hook) => hook.destination.includes('/webhooks/kommo/')),
    ).toEqual([
      expect.objectContaining({
        destination: `${base}/webhooks/kommo/${WEBHOOK_TOKEN}`,
        settings: ['status_lead'],
        disabled: false,
      }),
    ]);
    expect(t.postmark.webhooks).toHaveLength(1);
    const hook = t.postmark.webhooks[0];
    expect(hook).toMatchObject({
      Url: `${base}/webhooks/postmark/events`,
      MessageStream: 'outbound',
      HttpAuth: { Username: POSTMARK_AUTH.user, Password: POSTMARK_AUTH.password },
    });
    for (const trigger of [
      'Delivery',
      'Bounce',
      'SpamComplaint',
      'Open',
      'Click',
      'SubscriptionChange',
    ]) {
      expect(hook.Triggers[trigger].Enabled).toBe(true);
    }
    expect(hook.Triggers.Bounce.IncludeContent).toBe(false);
    const inbound = new URL(`${base}/webhooks/postmark/inbound`);
    inbound.username = POSTMARK_AUTH.user;
    inbound.password = POSTMARK_AUTH.password;
    expect(t.postmark.serverSettings.InboundHookUrl).toBe(inbound.toString());
  };

  it('registers everything once through the API, and changes nothing the second time', async () => {
    const first = await api.post('/setup/webhooks', { publicUrl: `${PUBLIC_URL}/` }).expect(200);
    expect(first.body).toMatchObject({
      publicUrl: PUBLIC_URL,
      kommo: { action: 'registered', destination: `${PUBLIC_URL}/webhooks/kommo/***`, others: 0 },
      postmarkEvents: { action: 'created', url: `${PUBLIC_URL}/webhooks/postmark/events` },
      postmarkInbound: {
        action: 'set',
        url: `https://***:***@kp.acmetravel.example/webhooks/postmark/inbound`,
      },
    });
    expectOneOfEach();

    const second = await api.post('/setup/webhooks', { publicUrl: PUBLIC_URL }).expect(200);
    expect(second.body.kommo.action).toBe('unchanged');
    expect(second.body.postmarkEvents).toMatchObject({
      action: 'unchanged',
      webhookId: first.body.postmarkEvents.webhookId,
    });
    expect(second.body.postmarkInbound.action).toBe('unchanged');
    expectOneOfEach();

    const text = JSON.stringify([first.body, second.body]);
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    const status = await api.get('/kommo/status').expect(200);
    expect(status.body.webhook).toEqual({
      registered: true,
      disabled: false,
      destinations: [`${PUBLIC_URL}/webhooks/kommo/***`],
    });
  });

  it('follows a new public URL and a switched-off Kommo webhook, one Postmark hook', async () => {
    await api.post('/setup/webhooks', { publicUrl: PUBLIC_URL }).expect(200);
    t.kommo.disableWebhook(`${PUBLIC_URL}/webhooks/kommo/${WEBHOOK_TOKEN}`);
    expect((await api.get('/kommo/status').expect(200)).body.webhook.disabled).toBe(true);

    const again = await api.post('/setup/webhooks', { publicUrl: PUBLIC_URL }).expect(200);
    expect(again.body.kommo.action).toBe('enabled_again');
    expectOneOfEach();

    const moved = 'https://new.acmetravel.example/kp';
    const report = await api.post('/setup/webhooks', { publicUrl: moved }).expect(200);
    expect(report.body).toMatchObject({
      kommo: { action: 'registered', others: 1 },
      postmarkEvents: { action: 'updated' },
      postmarkInbound: { action: 'set' },
    });
    expect(t.postmark.webhooks).toHaveLength(1);
    expect(t.postmark.webhooks[0].Url).toBe(`${moved}/webhooks/postmark/events`);
  });

  it('puts back triggers and credentials someone changed in Postmark', async () => {
    await api.post('/setup/webhooks', { publicUrl: PUBLIC_URL }).expect(200);
    t.postmark.webhooks[0].Triggers.Open.Enabled = false;
    t.postmark.webhooks[0].HttpAuth = { Username: 'old', Password: 'old-password' };

    const report = await api.post('/setup/webhooks', { publicUrl: PUBLIC_URL }).expect(200);

    expect(report.body.postmarkEvents.action).toBe('updated');
    expectOneOfEach();
  });

  it('refuses a public URL Kommo and Postmark could not call', async () => {
    for (const publicUrl of [
      'kp.example.com',
      'ftp://kp.example.com',
      'https://u:p@kp.example.com',
    ]) {
      const response = await api.post('/setup/webhooks', { publicUrl }).expect(400);
      expect(Object.keys(response.body.fields)).toEqual(['publicUrl']);
    }
    expect(t.kommo.webhooks).toHaveLength(0);
    expect(t.postmark.webhooks).toHaveLength(0);
  });

  describe('from the command line', () => {
    let saved: NodeJS.ProcessEnv;

    beforeEach(() => {
      saved = { ...process.env };
      Object.assign(process.env, t.env);
    });

    afterEach(() => {
      process.env = saved;
    });

    it('does the same, twice, printing what it did and no secret', async () => {
      const lines: string[] = [];
      const print = (line: string) => lines.push(line);

      expect(await setupWebhooks(['--public-url', PUBLIC_URL], print)).toBe(0);
      expect(await setupWebhooks([], print, { PUBLIC_URL })).toBe(0);

      expectOneOfEach();
      const output = lines.join('\n');
      expect(output).toContain(
        `Kommo status_lead webhook ${PUBLIC_URL}/webhooks/kommo/***: registered`,
      );
      expect(output).toContain('Postmark event webhook');
      expect(output).toContain('already set up; unchanged');
      expect(output).toContain('https://***:***@kp.acmetravel.example/webhooks/postmark/inbound');
      for (const secret of SECRETS) expect(output).not.toContain(secret);
    });

    it('explains itself and exits 1 without a public URL, or with a bad one', async () => {
      const lines: string[] = [];

      expect(await setupWebhooks([], (line) => lines.push(line), {})).toBe(1);
      expect(await setupWebhooks(['--public-url=nope'], (line) => lines.push(line))).toBe(1);

      expect(lines[0]).toMatch(/^Usage: npm run setup:webhooks/);
      expect(lines[1]).toMatch(/^Failed: publicUrl must be an absolute URL/);
    });
  });
});
