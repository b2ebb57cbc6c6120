import type { KommoAjaxOptions, KommoWidgetHost } from '../kommo/widget-host';
import { ApiFailure } from './api-failure';
import { BackendClient, kommoTransport, trimBaseUrl } from './backend-client';

type Answer = { ok: unknown } | { fail: unknown; textStatus?: string };

/** A host whose $authorizedAjax records each call and answers like a jqXHR would. */
function fakeHost(answer: Answer) {
  const calls: KommoAjaxOptions[] = [];
  const host = {
    $authorizedAjax(options: KommoAjaxOptions) {
      calls.push(options);

      return {
        then(done: (body: unknown) => void, fail: (xhr: unknown, textStatus?: string) => void) {
          if ('ok' in answer) done(answer.ok);
          else fail(answer.fail, answer.textStatus);
        },
      };
    },
  } as unknown as KommoWidgetHost;

  return { host, calls };
}

describe('BackendClient over $authorizedAjax', () => {
  const base = 'https://mail.example.com';

  it('GETs the lead endpoints without a body', async () => {
    const { host, calls } = fakeHost({ ok: { leadId: 7, messages: [] } });
    const client = new BackendClient(kommoTransport(host, base));

    await expect(client.messages(7)).resolves.toEqual({ leadId: 7, messages: [] });
    await client.recipients(7);
    await client.templates();
    await client.rules();

    expect(calls.map((call) => [call.type, call.url])).toEqual([
      ['GET', `${base}/widget/leads/7/messages`],
      ['GET', `${base}/widget/leads/7/recipients`],
      ['GET', `${base}/widget/templates`],
      ['GET', `${base}/widget/rules`],
    ]);
    expect(calls[0]).toMatchObject({ dataType: 'json' });
    expect(calls[0].data).toBeUndefined();
  });

  it('sends JSON bodies for preview, send and rules', async () => {
    const { host, calls } = fakeHost({ ok: {} });
    const client = new BackendClient(kommoTransport(host, base));

    await client.preview({ leadId: 7, templateAlias: 'welcome' });
    await client.send({ leadId: 7, templateAlias: 'welcome', email: 'a@b.co', requestId: 'r-1' });
    await client.saveRules([]);

    expect(calls.map((call) => [call.type, call.url, call.contentType])).toEqual([
      ['POST', `${base}/widget/preview`, 'application/json'],
      ['POST', `${base}/widget/send`, 'application/json'],
      ['PUT', `${base}/widget/rules`, 'application/json'],
    ]);
    expect(JSON.parse(calls[1].data!)).toEqual({
      leadId: 7,
      templateAlias: 'welcome',
      email: 'a@b.co',
      requestId: 'r-1',
    });
    expect(JSON.parse(calls[2].data!)).toEqual({ rules: [] });
  });

  it('rejects with a typed failure', async () => {
    const { host } = fakeHost({
      fail: { status: 403, responseJSON: { code: 'x', message: 'no' } },
    });
    const client = new BackendClient(kommoTransport(host, base));

    const failure = await client.rules().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiFailure);
    expect(failure).toMatchObject({ kind: 'forbidden', message: 'no' });
  });

  it('turns a host that throws into an unreachable failure', async () => {
    const host = {
      $authorizedAjax() {
        throw new Error('no token');
      },
    } as unknown as KommoWidgetHost;

    await expect(new BackendClient(kommoTransport(host, base)).templates()).rejects.toMatchObject({
      kind: 'unreachable',
    });
  });
});

describe('trimBaseUrl', () => {
  it('drops spaces and trailing slashes', () => {
    expect(trimBaseUrl(' https://mail.example.com/// ')).toBe('https://mail.example.com');
    expect(trimBaseUrl(undefined)).toBe('');
  });
});
