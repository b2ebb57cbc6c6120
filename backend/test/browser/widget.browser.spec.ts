import { RunningHarness, startHarness } from '@kp/widget/dev/serve';
import { Browser, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { StageRulesService } from '../../src/sending/stage-rules.service';
import { POSTMARK_AUTH, startTestApp, TestApp, WEBHOOK_TOKEN } from '../support/app';
import { ACCOUNT_ID, WIDGET_AUDIENCE, WIDGET_SECRET } from '../support/widget-token';
import { describeInBrowser, launchChromium, screenshot } from './chromium';

// The widget package's own check: builds dist/ when it is missing or older than the sources.
const buildWidgetOnce = require('@kp/widget/test/build-once.js') as () => Promise<void>;

const LEAD = 4410021;
const PIPELINE = 7711001;
const QUALIFIED = 61822002;
const LEAD_WITHOUT_CONTACT = 4410050;
// Postmark's events arrive this far apart, more than the sidebar's 5 s refresh, so each
// state is on screen for at least one refresh.
const EVENT_GAP_MS = 8_000;
const STATE_TIMEOUT_MS = 25_000;

const origin = (harness: RunningHarness) => new URL(harness.url).origin;

describeInBrowser('the widget in Chromium, on the real backend and the simulators', () => {
  let t: TestApp;
  let browser: Browser;
  /** Signs with the integration's secret, from an origin the backend allows. */
  let harness: RunningHarness;
  /** Signs with some other secret, from an allowed origin. */
  let wrongSecretHarness: RunningHarness;
  /** Signs correctly, from an origin the backend does not allow. */
  let foreignHarness: RunningHarness;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    await buildWidgetOnce();

    // The pages get the backend's URL as ?backend=, so the harnesses can start first and the
    // backend can be told their origins.
    const host = (secret: string) =>
      startHarness({ port: 0, secret, audience: WIDGET_AUDIENCE, backendUrl: 'http://127.0.0.1' });
    [harness, wrongSecretHarness, foreignHarness] = await Promise.all([
      host(WIDGET_SECRET),
      host('not-the-integration-secret'),
      host(WIDGET_SECRET),
    ]);

    t = await startTestApp({
      env: {
        WIDGET_ALLOWED_ORIGINS: [origin(harness), origin(wrongSecretHarness)].join(','),
        WIDGET_TOKEN_AUDIENCE: WIDGET_AUDIENCE,
        KOMMO_CLIENT_SECRET: WIDGET_SECRET,
        KOMMO_ACCOUNT_ID: String(ACCOUNT_ID),
      },
    });
    t.kommo.addLead({ id: LEAD_WITHOUT_CONTACT, name: 'Walk-in', pipeline_id: PIPELINE });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([harness, wrongSecretHarness, foreignHarness].map((h) => h?.close()));
    await t?.close();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  async function open(on: RunningHarness, query: Record<string, string>): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    const params = new URLSearchParams({ backend: t.url, ...query });

    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${on.url}?${params}`);

    return page;
  }

  const banner = (page: Page, state: string): Locator =>
    page.locator(`[data-testid="kp-banner"][data-state="${state}"]`);

  const messageRow = (page: Page, status?: string): Locator =>
    page.locator(`[data-testid="kp-message-row"]${status ? `[data-status="${status}"]` : ''}`);

  it('previews with the lead’s data, sends once, and follows the email to opened', async () => {
    t.postmark.autoEvents = {
      url: `${t.url}/webhooks/postmark/events`,
      auth: POSTMARK_AUTH,
      delayMs: EVENT_GAP_MS,
      kinds: ['Delivery', 'Open'],
    };
    const page = await open(harness, { lead: String(LEAD) });

    await page.getByTestId('kp-messages-empty').waitFor();
    expect(await page.getByTestId('kp-recipient-select').inputValue()).toBe(
      'marta.quiroga@example.com',
    );
    await screenshot(page, '01-lead-card');

    await page.getByTestId('kp-template-select').selectOption('deal-won-confirmation');
    await page.getByTestId('kp-preview-button').click();
    await page
      .getByTestId('kp-preview-subject')
      .filter({ hasText: 'Your booking is confirmed, Marta Quiroga!' })
      .waitFor();
    const html = page.frameLocator('[data-testid="kp-preview-frame"]').locator('body');

    expect(await html.textContent()).toContain('Dear Marta Quiroga');
    expect(await page.getByTestId('kp-preview-text').textContent()).toContain('Dear Marta Quiroga');
    expect(await page.getByTestId('kp-missing-vars').count()).toBe(0);
    await screenshot(page, '02-preview');

    await page.getByTestId('kp-send-button').click();
    await page.getByTestId('kp-confirm-button').waitFor();
    await screenshot(page, '03-confirm');

    // A double click on the confirm button must still be one email.
    await page.getByTestId('kp-confirm-button').dblclick();
    await messageRow(page).waitFor();
    await banner(page, 'queued').waitFor();
    await screenshot(page, '04-queued');

    await messageRow(page, 'delivered').waitFor({ timeout: STATE_TIMEOUT_MS });
    await screenshot(page, '05-delivered');

    await messageRow(page, 'opened').waitFor({ timeout: STATE_TIMEOUT_MS });
    await messageRow(page).locator('button.kp-message-head').click();
    const timeline = page.getByTestId('kp-message-timeline').locator('li[data-event-type]');

    await timeline.nth(1).waitFor();
    const eventTypes = await timeline.evaluateAll((items) =>
      items.map((item) => item.getAttribute('data-event-type')),
    );

    expect(eventTypes).toEqual(['delivered', 'opened']);
    await screenshot(page, '06-opened-timeline');

    const sends = await page.evaluate(() => {
      const { __harness } = globalThis as unknown as { __harness: { requests: { url: string }[] } };

      return __harness.requests.filter((entry) => entry.url.endsWith('/widget/send')).length;
    });

    expect(sends).toBe(1);
    expect(await messageRow(page).count()).toBe(1);
    expect(t.postmark.sent).toHaveLength(1);
    expect(t.postmark.sent[0]).toMatchObject({
      To: 'marta.quiroga@example.com',
      TemplateAlias: 'deal-won-confirmation',
      subject: 'Your booking is confirmed, Marta Quiroga!',
    });
    await page.close();
  }, 90_000);

  it('saves a stage rule in the editor that then fires on a stage webhook', async () => {
    t.postmark.autoEvents = undefined;
    const page = await open(harness, { view: 'advanced' });
    const qualified = page.locator(
      `[data-testid="kp-rule-row"][data-pipeline-id="${PIPELINE}"][data-status-id="${QUALIFIED}"]`,
    );

    await qualified.waitFor();
    await screenshot(page, '07-rules-editor');

    await qualified.getByTestId('kp-rule-template').selectOption('proposal-sent');
    expect(await qualified.getByTestId('kp-rule-enabled').isChecked()).toBe(true);
    await page.getByTestId('kp-rules-save').click();
    await banner(page, 'saved').waitFor();
    await screenshot(page, '08-rules-saved');

    expect(t.app.get(StageRulesService).match(PIPELINE, QUALIFIED)).toMatchObject({
      templateAlias: 'proposal-sent',
      enabled: true,
    });

    const webhook = t.kommo.buildStatusWebhook([
      { leadId: 4410033, pipelineId: PIPELINE, statusId: QUALIFIED, oldStatusId: 142 },
    ]);
    const answer = await request(t.url)
      .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(webhook)
      .expect(200);
    await t.drain();

    expect(answer.body.queued).toBe(1);
    expect(t.postmark.sent.filter((email) => email.TemplateAlias === 'proposal-sent')).toEqual([
      expect.objectContaining({
        To: 'pedro.alves@example.com',
        Metadata: expect.objectContaining({ lead_id: '4410033' }),
      }),
    ]);

    const card = await open(harness, { lead: '4410033' });
    await messageRow(card, 'sent').filter({ hasText: 'Proposal sent' }).waitFor();
    await screenshot(card, '09-rule-email-on-card');
    await Promise.all([page.close(), card.close()]);
  }, 60_000);

  it('says clearly what is wrong when the widget cannot do its job', async () => {
    const cases: Array<[string, RunningHarness, Record<string, string>, string]> = [
      ['10-rules-for-managers', harness, { view: 'advanced', admin: '0' }, 'forbidden'],
      ['11-unsaved-lead', harness, { lead: '0' }, 'lead_unsaved'],
      ['12-lead-without-contact', harness, { lead: String(LEAD_WITHOUT_CONTACT) }, 'no_contact'],
      ['13-wrong-secret', wrongSecretHarness, { lead: String(LEAD) }, 'unauthorized'],
      ['14-origin-not-allowed', foreignHarness, { lead: String(LEAD) }, 'unreachable'],
    ];

    for (const [name, on, query, state] of cases) {
      const page = await open(on, query);

      await banner(page, state).waitFor();
      await screenshot(page, name);
      await page.close();
    }
  }, 60_000);
});
