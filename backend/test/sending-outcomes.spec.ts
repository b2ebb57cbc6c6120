import { Logger } from '@nestjs/common';
import request from 'supertest';
import type { StatusChange } from '@kp/simulators';
import { MessagesRepository } from '../src/sending/messages.repository';
import { PIPELINE, PROPOSAL_STAGE, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';

const FORM = 'application/x-www-form-urlencoded';
const QUALIFIED_STAGE = 61822002;
const WON_STAGE = 142;

const moveTo =
  (statusId: number) =>
  (leadId: number): StatusChange => ({
    leadId,
    statusId,
    oldStatusId: QUALIFIED_STAGE,
    pipelineId: PIPELINE,
  });

async function postMove(t: TestApp, leadIds: number[], statusId = PROPOSAL_STAGE) {
  const body = t.kommo.buildStatusWebhook(leadIds.map(moveTo(statusId)));

  return request(t.url)
    .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
    .set('Content-Type', FORM)
    .send(body)
    .expect(200);
}

async function messageOf(t: TestApp, leadId: number) {
  return t.database.db
    .selectFrom('messages')
    .selectAll()
    .where('lead_id', '=', leadId)
    .executeTakeFirstOrThrow();
}

const notesOn = (t: TestApp, leadId: number) =>
  t.kommo.notes.filter((note) => note.entity_id === leadId).map((note) => note.params.text);

const sendCalls = (t: TestApp) => t.postmark.countCalls((call) => call.path.startsWith('/email/'));

/** The main contact the simulator linked to a generated lead. */
function contactOf(t: TestApp, leadId: number) {
  const link = t.kommo.leads.get(leadId)!._embedded.contacts[0];

  return t.kommo.contacts.get(link.id)!;
}

describe('what happens to each email, per Postmark and Kommo outcome', () => {
  let t: TestApp;
  let errors: jest.SpyInstance;

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });

  afterEach(async () => {
    errors.mockRestore();
    await t?.close();
  });

  const errorLines = (pattern: RegExp) =>
    errors.mock.calls.map(([message]) => String(message)).filter((line) => pattern.test(line));

  it('marks an inactive recipient suppressed, notes it, tags the contact, and never retries', async () => {
    t = await startTestApp({ worker: false });
    const leadIds = t.kommo.generateLeads(5);
    const [inactiveLead] = leadIds.slice(2);
    t.postmark.inactiveRecipients.add(`lead${inactiveLead}@example.com`);

    await postMove(t, leadIds);
    await t.drain();
    await t.drain();

    expect(await messageOf(t, inactiveLead)).toMatchObject({
      status: 'suppressed',
      error_code: '406',
      attempts: 1,
    });
    expect(notesOn(t, inactiveLead)).toEqual([
      `Email "deal-won-confirmation" was not sent: Postmark marks lead${inactiveLead}@example.com ` +
        'as inactive (earlier bounce, spam complaint or unsubscribe).',
    ]);
    const tags = contactOf(t, inactiveLead)._embedded.tags.map((tag) => tag.name);
    expect(tags).toEqual(['email_invalid']);
    expect(sendCalls(t)).toBe(1);
    expect(t.postmark.sent.map((email) => Number(email.Metadata?.lead_id)).sort()).toEqual(
      leadIds.filter((id) => id !== inactiveLead).sort(),
    );
  });

  it('fails an address Postmark rejects (300) with a note, without retrying', async () => {
    t = await startTestApp({ worker: false });
    const leadIds = t.kommo.generateLeads(3);
    const typoLead = leadIds[1];
    // Passes our loose check, but Postmark refuses the empty label in the domain.
    t.kommo.addContact({ id: contactOf(t, typoLead).id, email: 'sam.client@example..com' });

    await postMove(t, leadIds);
    await t.drain();

    expect(await messageOf(t, typoLead)).toMatchObject({ status: 'failed', error_code: '300' });
    expect(notesOn(t, typoLead)).toEqual([
      'Email "deal-won-confirmation" was not sent: Postmark rejected the address ' +
        'sam.client@example..com.',
    ]);
    expect(sendCalls(t)).toBe(1);
    expect(t.postmark.sent).toHaveLength(2);
  });

  it('fails every email of an unknown template with one operator error, not one per lead', async () => {
    t = await startTestApp({
      worker: false,
      env: {
        STAGE_RULES: JSON.stringify([
          { pipelineId: PIPELINE, statusId: WON_STAGE, templateAlias: 'no-such-template' },
        ]),
      },
    });
    const leadIds = t.kommo.generateLeads(40);

    await postMove(t, leadIds.slice(0, 25), WON_STAGE);
    await t.drain();
    await postMove(t, leadIds.slice(25), WON_STAGE);
    await t.drain();

    const rows = await t.database.db.selectFrom('messages').selectAll().execute();
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.status === 'failed' && row.error_code === '1101')).toBe(true);
    for (const leadId of leadIds) {
      expect(notesOn(t, leadId)).toEqual([
        expect.stringMatching(
          /^Email "no-such-template" to lead\d+@example\.com could not be sent: /,
        ),
      ]);
    }
    expect(errorLines(/no-such-template/)).toHaveLength(1);
    expect(errorLines(/no-such-template/)[0]).toContain('ErrorCode 1101');
    expect(t.postmark.sent).toHaveLength(0);
  });

  it('gives up after SEND_MAX_ATTEMPTS transient Postmark failures, with a note', async () => {
    t = await startTestApp({ worker: false, env: { SEND_MAX_ATTEMPTS: '3' } });
    const leadIds = t.kommo.generateLeads(4);
    t.postmark.setFaults({ rate: 1, kinds: ['500'] });

    await postMove(t, leadIds);
    await t.drain();

    const rows = await t.database.db.selectFrom('messages').selectAll().execute();
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'failed', attempts: 3, error_code: 'transient' });
      expect(notesOn(t, Number(row.lead_id))).toEqual([
        `Email "deal-won-confirmation" to lead${row.lead_id}@example.com could not be sent: ` +
          'Postmark answered 500',
      ]);
    }
    expect(sendCalls(t)).toBe(3);
  });

  it('stops calling a Kommo account that answers 403, keeps the work, and says so', async () => {
    t = await startTestApp({ worker: false });
    const leadIds = t.kommo.generateLeads(6);
    t.kommo.blockAccount(true);

    await postMove(t, leadIds.slice(0, 3));
    await t.worker.drain();
    const callsWhenBlocked = t.kommo.countCalls();
    await postMove(t, leadIds.slice(3));
    await t.worker.drain();
    await t.worker.drain();
    const ready = await request(t.url).get('/health/ready');

    expect(callsWhenBlocked).toBe(1);
    expect(t.kommo.countCalls()).toBe(1);
    const rows = await t.database.db.selectFrom('messages').select('status').execute();
    expect(rows.map((row) => row.status)).toEqual(Array(6).fill('queued'));
    expect(t.postmark.sent).toHaveLength(0);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.kommo).toEqual({
      ok: false,
      detail: expect.stringMatching(/blocked/),
    });
    expect(ready.body.kommoBlockedUntil).toEqual(expect.any(String));
    expect(errorLines(/403 \(blocked\)/)).toHaveLength(1);
  });

  it('sends both entries of a lead into an every-entry stage, in order, in one batch', async () => {
    t = await startTestApp({
      worker: false,
      env: {
        STAGE_RULES: JSON.stringify([
          {
            pipelineId: PIPELINE,
            statusId: PROPOSAL_STAGE,
            templateAlias: 'deal-won-confirmation',
            resendPolicy: 'every_entry',
          },
          {
            pipelineId: PIPELINE,
            statusId: WON_STAGE,
            templateAlias: 'proposal-sent',
            resendPolicy: 'every_entry',
          },
        ]),
      },
    });
    const [leadId] = t.kommo.generateLeads(1);
    const lead = t.kommo.leads.get(leadId)!;
    const entries = [PROPOSAL_STAGE, WON_STAGE, PROPOSAL_STAGE];

    // Three changes reach us before the worker runs; Kommo stamps each with its own time.
    const bodies: string[] = [];
    for (const [index, statusId] of entries.entries()) {
      lead.updated_at = 1_760_000_000 + index * 60;
      bodies.push(t.kommo.buildStatusWebhook([moveTo(statusId)(leadId)]));
    }
    for (const body of [...bodies, bodies[0]]) {
      await request(t.url)
        .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
        .set('Content-Type', FORM)
        .send(body);
    }
    await t.drain();

    expect(t.postmark.sent.map((email) => email.TemplateAlias)).toEqual([
      'deal-won-confirmation',
      'proposal-sent',
      'deal-won-confirmation',
    ]);
    expect(sendCalls(t)).toBe(1);
    const notes = notesOn(t, leadId);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toContain('"deal-won-confirmation" sent');
    expect(notes[1]).toContain('"proposal-sent" sent');
    expect(notes[2]).toContain('"deal-won-confirmation" sent');
  });

  it('claims queued emails in the order they were queued', async () => {
    t = await startTestApp({ worker: false });
    const messages = t.app.get(MessagesRepository);
    const items = Array.from({ length: 3000 }, (_, index) => ({
      account: 'acmetravel',
      leadId: 9_000_000 + index,
      ruleId: null,
      templateAlias: 'basic',
      source: 'admin' as const,
      dedupeKey: `order-test:${index}`,
    }));

    const queued = await messages.enqueue(items);
    const claimed = await messages.claim('order-test', 3000, 60_000);

    expect(claimed.map((row) => row.id)).toEqual(queued);
    expect(claimed.map((row) => Number(row.lead_id))).toEqual(items.map((item) => item.leadId));
  });
});
