import { KommoSimulator, PostmarkSimulator } from '@kp/simulators';
import request from 'supertest';
import { SecretBox } from '../src/common/crypto';
import { adminApi } from './support/admin-api';
import { sample, sampleJson } from './support/samples';
import {
  ADMIN_KEY,
  APP_SECRET,
  basicAuth,
  POSTMARK_AUTH,
  startTestApp,
  TestApp,
  WEBHOOK_TOKEN,
} from './support/app';

const mockLogLines: string[] = [];

// Every pino line the app writes, captured instead of going to stdout.
jest.mock('../src/common/logging', () => {
  const actual = jest.requireActual('../src/common/logging');
  const { Writable: Sink } = jest.requireActual('node:stream');
  const sink = new Sink({
    write(chunk: Buffer, _encoding: string, done: () => void) {
      mockLogLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });

  return {
    ...actual,
    loggerOptions: (config: unknown) => {
      const options = actual.loggerOptions(config);

      return { ...options, pinoHttp: [{ ...options.pinoHttp, transport: undefined }, sink] };
    },
  };
});

const CLIENT = { clientId: 'kommo-test-client', clientSecret: 'kommo-test-secret' };
const POSTMARK_TOKEN = 'postmark-server-token-for-log-test';
/** Every address the flow touches; none may appear whole in a log line. */
const ADDRESSES = [
  'marta.quiroga@example.com',
  'marta.private@example.org',
  'jorge@example.com',
  'no.such.person@example.net',
  'annoyed@example.org',
  'pedro.alves@example.com',
];

describe('logs of a full flow', () => {
  let kommo: KommoSimulator;
  let t: TestApp;

  beforeAll(async () => {
    kommo = new KommoSimulator(CLIENT);
    await kommo.start();
    const postmark = new PostmarkSimulator({ serverToken: POSTMARK_TOKEN });
    await postmark.start();
    t = await startTestApp({
      kommo,
      postmark,
      env: {
        LOG_LEVEL: 'info',
        POSTMARK_SERVER_TOKEN: POSTMARK_TOKEN,
        KOMMO_LONG_LIVED_TOKEN: '',
        KOMMO_CLIENT_ID: CLIENT.clientId,
        KOMMO_CLIENT_SECRET: CLIENT.clientSecret,
        KOMMO_REDIRECT_URI: 'https://kp.acmetravel.example/oauth/kommo',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await Promise.all([kommo.stop(), t.postmark.stop()]);
  });

  it('carry no token, secret or whole address', async () => {
    const api = adminApi(t);
    const secrets = [
      ADMIN_KEY,
      APP_SECRET,
      WEBHOOK_TOKEN,
      POSTMARK_AUTH.password,
      POSTMARK_TOKEN,
      CLIENT.clientSecret,
    ];
    t.postmark.autoEvents = {
      url: `${t.url}/webhooks/postmark/events`,
      auth: POSTMARK_AUTH,
      delayMs: 5,
      kinds: ['Delivery', 'Open', 'Click'],
    };
    t.postmark.inactiveRecipients.add('annoyed@example.org');

    // Connect with a token about to die, so the flow refreshes it.
    const code = kommo.issueOAuthCode();
    secrets.push(code);
    kommo.setAccessTokenTtl(1);
    await api.post('/kommo/oauth', { code }).expect(200);
    kommo.setAccessTokenTtl(86_400);
    secrets.push(...(await storedTokens(t)));
    await api.post('/setup/webhooks', { publicUrl: 'https://kp.acmetravel.example' }).expect(200);

    // Stage moves: sent, suppressed (406), and a wrong webhook token.
    await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(sample('kommo/status-webhook-multi.form.txt'))
      .expect(200);
    await request(t.url).post('/webhooks/kommo/not-the-token').send('a=b').expect(404);
    await t.drain();
    await t.postmark.settle();
    expect(t.postmark.sent.length).toBeGreaterThan(0);

    // A bounce, a matched reply, an unmatched one assigned by hand.
    const bounce = sampleJson<Record<string, unknown>>('postmark/webhook-bounce.json');
    const bounced = t.postmark.sent.find((email) => email.To === 'no.such.person@example.net')!;
    await t.postmark.postEvent(
      `${t.url}/webhooks/postmark/events`,
      { ...bounce, MessageID: bounced.MessageID },
      POSTMARK_AUTH,
    );
    const inbound = (body: string) =>
      request(t.url)
        .post('/webhooks/postmark/inbound')
        .set('Authorization', basicAuth())
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(200);
    const hash = /\+([^@]+)@/.exec(t.postmark.sent[0].ReplyTo!)![1];
    await inbound(
      JSON.stringify({ ...sampleJson('postmark/inbound-reply.json'), MailboxHash: hash }),
    );
    await inbound(sample('postmark/inbound-html-only.json'));
    await t.drain();
    const [unmatched] = (await api.get('/replies/unmatched').expect(200)).body.items;
    await api.post(`/replies/${unmatched.id}/assign`, { leadId: 4410021 }).expect(200);

    // The operator's side: a hand send to a chosen address, a resend, a preview, a bad key.
    const sent = await api
      .post('/send', {
        leadId: 4410021,
        templateAlias: 'proposal-sent',
        email: 'marta.private@example.org',
        requestId: 'log-1',
      })
      .expect(201);
    await api.post(`/messages/${sent.body.id}/resend`).expect(201);
    await api
      .get(
        '/templates/deal-won-confirmation/preview?leadId=4410021&email=marta.private@example.org',
      )
      .expect(200);
    await adminApi(t, 'wrong-key').get('/messages').expect(401);
    await t.drain();
    await t.postmark.settle();
    secrets.push(...(await storedTokens(t)));

    const logs = mockLogLines.join('\n');
    expect(kommo.refreshCount).toBeGreaterThanOrEqual(1);
    expect(logs).toContain('sent deal-won-confirmation to n***@example.net');
    expect(logs).toContain('suppressed');
    expect(logs).toContain('/webhooks/kommo/***');
    expect(mockLogLines.length).toBeGreaterThan(40);

    const leaks = [...new Set(secrets), ...ADDRESSES].filter((secret) =>
      logs.toLowerCase().includes(secret.toLowerCase()),
    );
    const lines = mockLogLines.filter((line) =>
      leaks.some((leak) => line.toLowerCase().includes(leak.toLowerCase())),
    );
    expect({ leaks, lines }).toEqual({ leaks: [], lines: [] });
  });
});

/** The Kommo access and refresh tokens as stored (decrypted), to look for them in the logs. */
async function storedTokens(t: TestApp): Promise<string[]> {
  const box = new SecretBox(APP_SECRET);
  const rows = await t.database.db.selectFrom('kommo_tokens').selectAll().execute();

  return rows.flatMap((row) => [box.open(row.access_token), box.open(row.refresh_token)]);
}
