import { KommoSimulator } from '@kp/simulators';
import { kommoConnect } from '../src/cli/kommo-connect';
import { usingPostgres } from './support/database';
import { adminApi } from './support/admin-api';
import { startTestApp, TestApp } from './support/app';

const CLIENT = { clientId: 'kommo-test-client', clientSecret: 'kommo-test-secret' };
const OAUTH_ENV = {
  KOMMO_LONG_LIVED_TOKEN: '',
  KOMMO_CLIENT_ID: CLIENT.clientId,
  KOMMO_CLIENT_SECRET: CLIENT.clientSecret,
  KOMMO_REDIRECT_URI: 'https://kp.acmetravel.example/oauth/kommo',
};

describe('connecting Kommo by OAuth', () => {
  let kommo: KommoSimulator;
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeEach(async () => {
    kommo = new KommoSimulator({ ...CLIENT, rateLimitPerSecond: 7 });
    await kommo.start();
    t = await startTestApp({ kommo, env: OAUTH_ENV });
    api = adminApi(t);
  });

  afterEach(async () => {
    await t.close();
    await kommo.stop();
  });

  /** The stored access token dies in a second; later tokens live a day. */
  const connectWithDyingToken = async () => {
    kommo.setAccessTokenTtl(1);
    await api.post('/kommo/oauth', { code: kommo.issueOAuthCode() }).expect(200);
    kommo.setAccessTokenTtl(86_400);
    kommo.reset();
  };

  it('reports not connected until a code is exchanged, then connected', async () => {
    const before = await api.get('/kommo/status').expect(200);
    expect(before.body).toMatchObject({
      mode: 'oauth',
      connected: false,
      webhook: { registered: null },
    });
    const refused = await api.get('/kommo/pipelines').expect(503);
    expect(refused.body.code).toBe('kommo_not_connected');

    const bad = await api.post('/kommo/oauth', { code: 'def50200-not-a-code' }).expect(422);
    expect(bad.body).toMatchObject({ code: 'code_refused', fields: { code: expect.any(String) } });

    const connected = await api.post('/kommo/oauth', { code: kommo.issueOAuthCode() }).expect(200);
    expect(connected.body).toMatchObject({
      mode: 'oauth',
      connected: true,
      expiresAt: expect.any(String),
    });
    expect(Date.parse(connected.body.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await api.get('/kommo/pipelines').expect(200);

    const stored = await t.database.db
      .selectFrom('kommo_tokens')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(stored.access_token).toMatch(/^v1\./);
    expect(stored.refresh_token).toMatch(/^v1\./);
  });

  it('refreshes a dying token once for 20 concurrent requests, all answered', async () => {
    await connectWithDyingToken();

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.get('/kommo/pipelines')),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(responses.every((response) => response.body.items[0]?.id === 7711001)).toBe(true);
    expect(kommo.refreshCount).toBe(1);

    await api.get('/kommo/status').expect(200);
    await api.get('/kommo/pipelines').expect(200);
    expect(kommo.refreshCount).toBe(1);
  });

  (usingPostgres ? it : it.skip)(
    'refreshes once across two instances sharing one PostgreSQL database',
    async () => {
      await connectWithDyingToken();
      const second = await startTestApp({ kommo, env: { ...t.env } });
      try {
        const other = adminApi(second);
        const calls = Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? api : other).get('/kommo/pipelines'),
        );
        const responses = await Promise.all(calls);

        expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
        expect(kommo.refreshCount).toBe(1);
      } finally {
        await second.close();
      }
    },
  );

  it('connects from the command line, printing no token; refuses a spent code', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, t.env);
    try {
      const lines: string[] = [];
      const code = kommo.issueOAuthCode();

      expect(await kommoConnect(['--code', code], (line) => lines.push(line))).toBe(0);
      expect(lines.join('\n')).toMatch(
        /Kommo account acmetravel \(Acme Travel\) connected through OAuth/,
      );
      expect(lines.join('\n')).not.toMatch(/def50200|eyJ/);
      // The running service reads the pair the command stored.
      expect((await api.get('/kommo/status').expect(200)).body.connected).toBe(true);

      lines.length = 0;
      expect(await kommoConnect([`--code=${code}`], (line) => lines.push(line))).toBe(1);
      expect(lines.join('\n')).toMatch(/^Failed: Kommo refused the authorization code/);
      expect(await kommoConnect([], (line) => lines.push(line))).toBe(1);
      expect(lines.at(-1)).toMatch(/^Usage: npm run kommo:connect/);
    } finally {
      process.env = saved;
    }
  });

  it('answers 503 while Kommo has blocked the account', async () => {
    await api.post('/kommo/oauth', { code: kommo.issueOAuthCode() }).expect(200);
    kommo.blockAccount(true);

    const first = await api.get('/kommo/pipelines').expect(503);
    expect(first.body.code).toBe('kommo_blocked');
    const status = await api.get('/kommo/status').expect(200);
    expect(status.body).toMatchObject({ blocked: true, blockedUntil: expect.any(String) });
  });
});
