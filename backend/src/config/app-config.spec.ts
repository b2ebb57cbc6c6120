import { ConfigError, loadConfig } from './app-config';

const VALID = {
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

describe('loadConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig({
      ...VALID,
      STAGE_RULES:
        '[{"pipelineId":7711001,"statusId":142,"templateAlias":"deal-won-confirmation"}]',
    });

    expect(config.PORT).toBe(3000);
    expect(config.POSTMARK_MESSAGE_STREAM).toBe('outbound');
    expect(config.STAGE_RULES).toEqual([
      { pipelineId: 7711001, statusId: 142, templateAlias: 'deal-won-confirmation' },
    ]);
    expect(config.kommoBaseUrl).toBe('https://acmetravel.kommo.com');
  });

  it('names every bad variable in one message', () => {
    let message = '';
    try {
      loadConfig({
        ...VALID,
        PORT: 'eighty',
        POSTMARK_FROM: 'nobody',
        STAGE_RULES: '{"x":1}',
        KOMMO_SUBDOMAIN: '',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }

    expect(message).toContain('4 problems');
    for (const name of ['PORT', 'POSTMARK_FROM', 'STAGE_RULES', 'KOMMO_SUBDOMAIN']) {
      expect(message).toContain(`${name}:`);
    }
  });

  it('asks for the OAuth settings when there is no long-lived token', () => {
    const { KOMMO_LONG_LIVED_TOKEN: _unused, ...withoutToken } = VALID;

    expect(() => loadConfig(withoutToken)).toThrow(/KOMMO_CLIENT_ID: required for OAuth/);
  });

  it('reads switches in the usual spellings and refuses anything else', () => {
    expect(loadConfig({ ...VALID, WORKER_ENABLED: 'TRUE' }).WORKER_ENABLED).toBe(true);
    expect(loadConfig({ ...VALID, WORKER_ENABLED: 'off' }).WORKER_ENABLED).toBe(false);
    expect(() => loadConfig({ ...VALID, WORKER_ENABLED: 'maybe' })).toThrow(/WORKER_ENABLED:/);
    expect(() => loadConfig({ ...VALID, LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL:/);
  });

  it('says "is required" for a missing variable and gives one reason per bad one', () => {
    const { APP_SECRET: _unused, ...withoutSecret } = VALID;
    let message = '';
    try {
      loadConfig({ ...withoutSecret, PORT: 'abc' });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('APP_SECRET: is required');
    expect(message.match(/PORT:/g)).toHaveLength(1);
  });
});
