import { sample } from '../../test/support/samples';
import { KommoWebhookFormatError, parseKommoWebhook } from './kommo-webhook.parser';

const FORM = 'application/x-www-form-urlencoded';

describe('parseKommoWebhook', () => {
  it('reads the single stage change of the sample, with the account', () => {
    const parsed = parseKommoWebhook(sample('kommo/status-webhook.form.txt'), FORM);

    expect(parsed.subdomain).toBe('acmetravel');
    expect(parsed.accountId).toBe(30127781);
    expect(parsed.changes).toEqual([
      {
        leadId: 4410021,
        statusId: 61822003,
        oldStatusId: 61822002,
        pipelineId: 7711001,
        changedAt: 1764846012,
      },
    ]);
  });

  it('reads every change of a multi-lead webhook, the won stage included', () => {
    const parsed = parseKommoWebhook(sample('kommo/status-webhook-multi.form.txt'), FORM);

    expect(parsed.changes.map((change) => [change.leadId, change.statusId])).toEqual([
      [4410031, 61822003],
      [4410032, 61822003],
      [4410033, 142],
    ]);
  });

  it('takes a mass move of 1,000 leads with deep custom fields, beyond qs default limits', () => {
    const parts: string[] = ['account[subdomain]=acmetravel'];
    for (let index = 0; index < 1000; index += 1) {
      const prefix = `leads[status][${index}]`;
      parts.push(`${prefix}[id]=${5000000 + index}`, `${prefix}[status_id]=61822003`);
      parts.push(`${prefix}[old_status_id]=61822002`, `${prefix}[pipeline_id]=7711001`);
      parts.push(`${prefix}[custom_fields][0][values][0][value][a][b]=deep`);
    }
    const parsed = parseKommoWebhook(parts.join('&'), FORM);

    expect(parsed.changes).toHaveLength(1000);
    expect(parsed.changes[999].leadId).toBe(5000999);
  });

  it('skips a lead whose stage did not change and says why', () => {
    const body =
      'leads[status][0][id]=1&leads[status][0][status_id]=5&leads[status][0][old_status_id]=5&leads[status][0][pipeline_id]=9';
    const parsed = parseKommoWebhook(body, FORM);

    expect(parsed.changes).toEqual([]);
    expect(parsed.skipped[0]).toContain('did not change');
  });

  it('reads a digital-pipeline trigger, form-encoded or JSON, with its template', () => {
    const form = parseKommoWebhook(sample('kommo/dp-webhook.form.txt'), FORM);
    const json = parseKommoWebhook(
      JSON.stringify({
        event: {
          type: 15,
          data: { id: 4410021, status_id: 61822003, pipeline_id: 7711001 },
          time: 1,
        },
        action: { settings: { widget: { settings: { template: 'proposal-sent' } } } },
        subdomain: 'acmetravel',
      }),
      'application/json',
    );

    expect(form.changes).toEqual([
      expect.objectContaining({
        leadId: 4410021,
        statusId: 61822003,
        templateAlias: 'proposal-sent',
      }),
    ]);
    expect(form.subdomain).toBe('acmetravel');
    expect(json.changes[0]).toMatchObject({ leadId: 4410021, templateAlias: 'proposal-sent' });
  });

  it('rejects bodies that are not stage webhooks with a clear reason', () => {
    expect(() => parseKommoWebhook('', FORM)).toThrow(KommoWebhookFormatError);
    expect(() => parseKommoWebhook('{"leads": ', 'application/json')).toThrow('not valid JSON');
    expect(() => parseKommoWebhook('hello=world', FORM)).toThrow('not a stage-change webhook');
  });
});
