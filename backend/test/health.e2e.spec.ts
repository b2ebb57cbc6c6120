import request from 'supertest';
import { startTestApp, TestApp } from './support/app';

describe('health', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers liveness without touching Kommo or Postmark', async () => {
    await request(t.url).get('/health').expect(200, { ok: true });

    expect(t.kommo.countCalls()).toBe(0);
  });

  it('spends Kommo’s rate limit once, however often a probe asks for readiness', async () => {
    const kommoBefore = t.kommo.countCalls();
    const postmarkBefore = t.postmark.countCalls();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => request(t.url).get('/health/ready')),
    );

    // No webhook is registered in this simulator, so readiness says so.
    expect(answers.every((answer) => answer.status === 503)).toBe(true);
    expect(answers[0].body.checks.kommoWebhook.detail).toMatch(/no status_lead webhook/);
    expect(answers[0].body.checks.database).toEqual({ ok: true });
    expect(t.kommo.countCalls() - kommoBefore).toBe(2);
    expect(t.postmark.countCalls() - postmarkBefore).toBe(1);
  });

  it('serves Prometheus metrics', async () => {
    const metrics = await request(t.url).get('/metrics').expect(200);

    expect(metrics.text).toContain('kp_emails_total');
    expect(metrics.text).toContain('kp_webhook_ack_seconds');
  });
});
