import jwt from 'jsonwebtoken';

import { startHarness } from '../dev/serve';

const SECRET = 'harness-spec-secret';

describe('dev harness', () => {
  let harness: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    harness = await startHarness({
      port: 0,
      secret: SECRET,
      backendUrl: 'http://127.0.0.1:3000/',
      subdomain: 'acmetravel',
    });
  });

  afterAll(() => harness.close());

  const get = (path: string) => fetch(new URL(path, harness.url));

  it('listens on the loopback address only', () => {
    expect(harness.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('mints the token Kommo would send, signed HS256 with the client secret', async () => {
    const { token } = (await (await get('/token')).json()) as { token: string };
    const claims = jwt.verify(token, SECRET, {
      algorithms: ['HS256'],
      audience: 'http://127.0.0.1:3000',
      issuer: 'https://acmetravel.kommo.com',
    }) as Record<string, unknown>;

    expect(claims).toMatchObject({
      account_id: 30127781,
      user_id: 8123401,
      subdomain: 'acmetravel',
      is_admin: true,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(30 * 60);
    expect(typeof claims.jti).toBe('string');
  });

  it('mints a manager token on request, to try the admin-only pages', async () => {
    const { token } = (await (await get('/token?admin=0')).json()) as { token: string };

    expect(jwt.decode(token)).toMatchObject({ is_admin: false });
  });

  it('serves the page, the built widget and the libraries Kommo provides', async () => {
    for (const path of [
      '/',
      '/widget/script.js',
      '/widget/manifest.json',
      '/widget/i18n/ru.json',
      '/vendor/jquery.js',
      '/vendor/underscore.js',
    ]) {
      expect([path, (await get(path)).status]).toEqual([path, 200]);
    }

    const config = await (await get('/harness-config.json')).json();

    expect(config).toMatchObject({
      backendUrl: 'http://127.0.0.1:3000',
      widgetCode: 'kp_postmark',
    });
  });

  it('serves nothing outside dist/', async () => {
    expect((await get('/widget/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/widget/..%2f..%2fpackage.json')).status).toBe(404);
    expect((await get('/package.json')).status).toBe(404);
  });

  it('refuses to start without a secret to sign with', async () => {
    const previous = process.env.KOMMO_CLIENT_SECRET;
    delete process.env.KOMMO_CLIENT_SECRET;

    await expect(startHarness({ port: 0 })).rejects.toThrow(/KOMMO_CLIENT_SECRET/);

    if (previous !== undefined) process.env.KOMMO_CLIENT_SECRET = previous;
  });
});
