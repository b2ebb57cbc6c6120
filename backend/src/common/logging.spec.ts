import { redactPath } from './logging';

describe('redactPath', () => {
  it('hides the Kommo webhook token in any letter case', () => {
    expect(redactPath('/webhooks/kommo/s3cret-token')).toBe('/webhooks/kommo/***');
    expect(redactPath('/WEBHOOKS/Kommo/s3cret-token?x=1')).toBe('/WEBHOOKS/Kommo/***?x=1');
  });

  it('hides secret-looking query values and keeps the rest', () => {
    expect(redactPath('/api/v1/messages?access_token=abc&leadId=5&api_key=zz')).toBe(
      '/api/v1/messages?access_token=***&leadId=5&api_key=***',
    );
    expect(redactPath('/api/v1/messages?leadId=4410021')).toBe('/api/v1/messages?leadId=4410021');
  });
});
