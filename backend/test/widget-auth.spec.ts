import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config/app-config';
import { startTestApp, TestApp } from './support/app';
import {
  ACCOUNT_ID,
  kommoClaims,
  WIDGET_AUDIENCE,
  WIDGET_SECRET,
  widgetToken,
} from './support/widget-token';

const KOMMO_ORIGIN = 'https://acmetravel.kommo.com';
const HARNESS_ORIGIN = 'http://127.0.0.1:8190';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('widget API authentication (X-Auth-Token)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      worker: false,
      env: {
        WIDGET_TOKEN_AUDIENCE: WIDGET_AUDIENCE,
        KOMMO_ACCOUNT_ID: String(ACCOUNT_ID),
        WIDGET_ALLOWED_ORIGINS: HARNESS_ORIGIN,
      },
    });
  });

  afterAll(() => t.close());

  const templatesWith = (token: string | null) => {
    const call = request(t.url).get('/widget/templates');

    return token === null ? call : call.set('X-Auth-Token', token);
  };

  const refusedWith = async (token: string | null, code: string) => {
    const response = await templatesWith(token);

    expect([response.status, response.body.code]).toEqual([401, code]);
    expect(response.body.message).toEqual(expect.any(String));
  };

  it('lets a token signed as Kommo signs it through', async () => {
    const response = await templatesWith(widgetToken()).expect(200);

    expect(response.body.map((template: { alias: string }) => template.alias)).toContain(
      'deal-won-confirmation',
    );
  });

  it('accepts the audience with a trailing slash and a clock a few seconds ahead', async () => {
    const now = Math.floor(Date.now() / 1000);

    await templatesWith(widgetToken({ aud: `${WIDGET_AUDIENCE}/`, nbf: now + 10 })).expect(200);
  });

  it('answers 401 without the header', async () => {
    await refusedWith(null, 'token_missing');
    await refusedWith('   ', 'token_missing');
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;

    await refusedWith(
      widgetToken({ iat: past - 1800, nbf: past - 1800, exp: past }),
      'token_expired',
    );
  });

  it('refuses a token that is not valid yet', async () => {
    const later = Math.floor(Date.now() / 1000) + 600;

    await refusedWith(widgetToken({ nbf: later }), 'token_not_yet_valid');
  });

  it('refuses a token without an expiry', async () => {
    await refusedWith(widgetToken({ exp: undefined }), 'token_invalid');
  });

  it('refuses a token signed with another secret', async () => {
    await refusedWith(widgetToken({}, 'some-other-integration-secret'), 'token_invalid');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const [header, , signature] = widgetToken().split('.');
    const forged = base64url(kommoClaims({ user_id: 1, is_admin: true }));

    await refusedWith(`${header}.${forged}.${signature}`, 'token_invalid');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(kommoClaims())}.`;

    await refusedWith(unsigned, 'token_invalid');
  });

  it('refuses HS512 even with the right secret', async () => {
    const token = jwt.sign(kommoClaims(), WIDGET_SECRET, { algorithm: 'HS512' });

    await refusedWith(token, 'token_invalid');
  });

  it('refuses RS256, whatever key signed it', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign(kommoClaims(), privateKey, { algorithm: 'RS256' });

    await refusedWith(token, 'token_invalid');
  });

  it('refuses a token for another audience, or none', async () => {
    await refusedWith(widgetToken({ aud: 'https://someone-else.example' }), 'token_audience');
    await refusedWith(widgetToken({ aud: undefined }), 'token_audience');
  });

  it('refuses a token issued for another Kommo account', async () => {
    await refusedWith(widgetToken({ subdomain: 'rivaltravel' }), 'token_account');
    await refusedWith(widgetToken({ iss: 'https://rivaltravel.kommo.com' }), 'token_account');
    await refusedWith(widgetToken({ account_id: 11111111 }), 'token_account');
    await refusedWith(widgetToken({ subdomain: undefined, iss: undefined }), 'token_account');
  });

  it('refuses an issuer that only looks like the account', async () => {
    for (const iss of [
      'https://acmetravel.evil.example',
      'acmetravel',
      'https://acmetravel.kommo.com.evil.example',
    ]) {
      await refusedWith(widgetToken({ iss }), 'token_account');
    }
  });

  it('knows the account from iss alone when the subdomain claim is absent', async () => {
    await templatesWith(widgetToken({ subdomain: undefined })).expect(200);
  });

  it('lets only administrators read and change the stage rules', async () => {
    const manager = widgetToken({ is_admin: false });
    const admin = widgetToken();
    const rules = [
      {
        pipelineId: 7711001,
        statusId: 61822003,
        templateAlias: 'deal-won-confirmation',
        enabled: true,
        resendPolicy: 'once',
        note: null,
      },
    ];

    const refused = await request(t.url)
      .put('/widget/rules')
      .set('X-Auth-Token', manager)
      .send({ rules })
      .expect(403);
    await request(t.url).get('/widget/rules').set('X-Auth-Token', manager).expect(403);
    await request(t.url)
      .put('/widget/rules')
      .set('X-Auth-Token', admin)
      .send({ rules })
      .expect(200);

    expect(refused.body.code).toBe('admin_only');
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(t.url)
        .options('/widget/templates')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-auth-token');

    it("allows the account's Kommo origin and the configured extra origins", async () => {
      for (const origin of [KOMMO_ORIGIN, HARNESS_ORIGIN]) {
        const response = await preflight(origin);

        expect(response.status).toBe(204);
        expect(response.headers['access-control-allow-origin']).toBe(origin);
        expect(response.headers['access-control-allow-headers']).toMatch(/X-Auth-Token/i);
      }
    });

    it('gives any other origin no permission', async () => {
      for (const origin of ['https://rivaltravel.kommo.com', 'https://evil.example']) {
        const response = await preflight(origin);

        expect(response.headers['access-control-allow-origin']).toBeUndefined();
      }

      const actual = await templatesWith(widgetToken()).set('Origin', 'https://evil.example');
      expect(actual.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('widget API without KOMMO_CLIENT_SECRET', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { KOMMO_CLIENT_SECRET: '' } });
  });

  afterAll(() => t.close());

  it('starts (long-lived token setup) and answers 503 with the reason', async () => {
    const response = await request(t.url)
      .get('/widget/templates')
      .set('X-Auth-Token', widgetToken())
      .expect(503);

    expect(response.body.code).toBe('widget_not_configured');
    expect(response.body.message).toContain('KOMMO_CLIENT_SECRET');
  });
});

describe('widget token settings in the config', () => {
  const base = {
    KOMMO_SUBDOMAIN: 'acmetravel',
    KOMMO_LONG_LIVED_TOKEN: 'x'.repeat(40),
    KOMMO_WEBHOOK_TOKEN: 'w'.repeat(24),
    POSTMARK_SERVER_TOKEN: 'server-token',
    POSTMARK_FROM: 'bookings@acmetravel.example',
    POSTMARK_INBOUND_ADDRESS: '3f9c1e7a8b2d4c6e@inbound.postmarkapp.com',
    POSTMARK_WEBHOOK_USER: 'postmark',
    POSTMARK_WEBHOOK_PASSWORD: 'p'.repeat(16),
    ADMIN_API_KEY: 'k'.repeat(32),
    APP_SECRET: 's'.repeat(40),
  };

  it('takes the audience from WIDGET_TOKEN_AUDIENCE, else the redirect URI, else none', () => {
    const oauth = {
      ...base,
      KOMMO_LONG_LIVED_TOKEN: '',
      KOMMO_CLIENT_ID: 'client',
      KOMMO_CLIENT_SECRET: 'secret-secret',
      KOMMO_REDIRECT_URI: 'https://kp.acmetravel.example/oauth/kommo',
    };

    expect(loadConfig(oauth).widgetTokenAudience).toBe('https://kp.acmetravel.example');
    expect(
      loadConfig({ ...oauth, WIDGET_TOKEN_AUDIENCE: 'https://widget.example/' })
        .widgetTokenAudience,
    ).toBe('https://widget.example');
    expect(loadConfig(base).widgetTokenAudience).toBeNull();
  });

  it('names a malformed audience or account id', () => {
    const load = () =>
      loadConfig({ ...base, WIDGET_TOKEN_AUDIENCE: 'not a url', KOMMO_ACCOUNT_ID: 'acme' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WIDGET_TOKEN_AUDIENCE[\s\S]*KOMMO_ACCOUNT_ID/);
  });
});
