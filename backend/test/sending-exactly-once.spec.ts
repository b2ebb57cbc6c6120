import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { PostmarkSimulator, RecordedRequest, SentEmail } from '@kp/simulators';
import { PIPELINE, PROPOSAL_STAGE, startTestApp, TestApp, WEBHOOK_TOKEN } from './support/app';

const FORM = 'application/x-www-form-urlencoded';
const QUALIFIED_STAGE = 61822002;
const SENT_NOTE = /^Email "deal-won-confirmation" sent to lead\d+@example\.com via Postmark\.$/;

/** A mass move of many leads to the stage with a rule, as one Kommo webhook. */
function massMove(t: TestApp, count: number): { leadIds: number[]; body: string } {
  const leadIds = t.kommo.generateLeads(count);
  const body = t.kommo.buildStatusWebhook(
    leadIds.map((leadId) => ({
      leadId,
      statusId: PROPOSAL_STAGE,
      oldStatusId: QUALIFIED_STAGE,
      pipelineId: PIPELINE,
    })),
  );

  return { leadIds, body };
}

function postWebhook(t: TestApp, body: string) {
  return request(t.url)
    .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
    .set('Content-Type', FORM)
    .send(body);
}

/** One email per lead: as many distinct send ids and lead ids as emails, and the right leads. */
function expectOneEmailPerLead(sent: SentEmail[], leadIds: number[]): void {
  const sendIds = new Set(sent.map((email) => email.Metadata?.send_id));
  const emailedLeads = new Set(sent.map((email) => email.Metadata?.lead_id));

  expect(sent).toHaveLength(leadIds.length);
  expect(sendIds.size).toBe(leadIds.length);
  expect(emailedLeads.size).toBe(leadIds.length);
  expect([...emailedLeads].sort()).toEqual(leadIds.map(String).sort());
  for (const email of sent) {
    expect(email.To).toBe(`lead${email.Metadata?.lead_id}@example.com`);
  }
}

/** Exactly one "sent" note on every lead, and no other note. */
function expectOneSentNotePerLead(t: TestApp, leadIds: number[]): void {
  const notes = t.kommo.notes.filter((note) => leadIds.includes(note.entity_id));
  const perLead = new Map<number, number>();
  for (const note of notes) {
    expect(note.params.text).toMatch(SENT_NOTE);
    perLead.set(note.entity_id, (perLead.get(note.entity_id) ?? 0) + 1);
  }

  expect(notes).toHaveLength(leadIds.length);
  expect(perLead.size).toBe(leadIds.length);
  expect([...perLead.values()].every((count) => count === 1)).toBe(true);
}

async function statuses(t: TestApp): Promise<Record<string, number>> {
  const rows = await t.database.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();

  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Passes everything through to the Postmark simulator, except that while `failLookups` is on
 * it answers the outbound-message search with a 500: the lookup itself fails.
 */
async function lookupBreaker(target: string) {
  const state = { failLookups: false, failed: 0 };
  const server = http.createServer((incoming, answer) => {
    if (state.failLookups && incoming.url?.startsWith('/messages/outbound')) {
      state.failed += 1;
      answer.writeHead(500, { 'Content-Type': 'application/json' });
      answer.end(JSON.stringify({ Message: 'Internal server error.' }));
      return;
    }
    const forward = http.request(
      `${target}${incoming.url}`,
      { method: incoming.method, headers: incoming.headers },
      (reply) => {
        answer.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(answer);
      },
    );
    forward.on('error', () => answer.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));

  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

const answeredWith = (status: number) => (call: RecordedRequest) => call.status === status;

describe('sending a mass move exactly once', () => {
  let t: TestApp;

  afterEach(async () => {
    await t?.close();
  });

  it('sends 1,000 emails for a 1,000-lead webhook in ≤ 30 Kommo and ≤ 2 Postmark calls', async () => {
    t = await startTestApp();
    const { leadIds, body } = massMove(t, 1000);
    // Count only the move: the start-up template check runs in the background first.
    await until(() => t.postmark.requests.some((call) => call.path === '/templates'));
    t.kommo.reset();
    t.postmark.reset();

    const response = await postWebhook(t, body).expect(200);
    expect(response.body).toMatchObject({ ok: true, outcome: 'queued', queued: 1000 });
    await t.drain();

    expectOneEmailPerLead(t.postmark.sent, leadIds);
    expectOneSentNotePerLead(t, leadIds);
    expect(await statuses(t)).toEqual({ sent: 1000 });
    expect(t.kommo.countCalls()).toBeLessThanOrEqual(30);
    expect(t.kommo.countCalls(answeredWith(429))).toBe(0);
    expect(t.postmark.countCalls()).toBeLessThanOrEqual(2);
  });

  it('still sends 1,000 emails when Kommo delivers the same webhook three times', async () => {
    t = await startTestApp();
    const { leadIds, body } = massMove(t, 1000);

    // Two deliveries race each other; the third comes after the work is done.
    const [first, second] = await Promise.all([postWebhook(t, body), postWebhook(t, body)]);
    await t.drain();
    const third = await postWebhook(t, body).expect(200);
    await t.drain();

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.queued + second.body.queued).toBe(1000);
    expect(third.body.queued).toBe(0);
    expectOneEmailPerLead(t.postmark.sent, leadIds);
    expectOneSentNotePerLead(t, leadIds);
    expect(await statuses(t)).toEqual({ sent: 1000 });
    const stored = await t.database.db.selectFrom('kommo_webhooks').select('outcome').execute();
    expect(stored).toHaveLength(3);
  });

  it('sends every email once and writes every note once when 20% of calls fail', async () => {
    t = await startTestApp({
      worker: false,
      // Short client timeouts so a stalled call is given up quickly; SEND_MAX_ATTEMPTS stays high
      // enough that the faults below cannot exhaust it.
      env: { KOMMO_TIMEOUT_MS: '1000', POSTMARK_TIMEOUT_MS: '1000', SEND_MAX_ATTEMPTS: '20' },
    });
    const { leadIds, body } = massMove(t, 1000);
    const kinds: Array<'429' | '500' | 'timeout'> = ['429', '500', 'timeout'];
    // Seeded: Kommo fails with 500, a stall and 429 within its first eight calls; Postmark's
    // first batch gets a 500, the second is accepted and then never answered, the third a 429.
    t.kommo.setFaults({ rate: 0.2, kinds, timeoutMs: 300, seed: 3 });
    t.postmark.setFaults({ rate: 0.2, kinds, timeoutMs: 300, seed: 118, ambiguousTimeouts: true });

    await postWebhook(t, body).expect(200);
    await t.drain();

    expectOneEmailPerLead(t.postmark.sent, leadIds);
    expectOneSentNotePerLead(t, leadIds);
    expect(await statuses(t)).toEqual({ sent: 1000 });

    const sends = (call: RecordedRequest) => call.path.startsWith('/email/');
    const lookups = (call: RecordedRequest) => call.path === '/messages/outbound';
    expect(t.postmark.countCalls((call) => sends(call) && call.status === 500)).toBeGreaterThan(0);
    expect(t.postmark.countCalls((call) => sends(call) && call.status === 429)).toBeGreaterThan(0);
    // The stalled batch had been accepted: its 500 emails were found by send id, not re-sent.
    expect(t.postmark.countCalls((call) => sends(call) && call.status === 0)).toBeGreaterThan(0);
    expect(t.postmark.countCalls(lookups)).toBeGreaterThanOrEqual(500);
    expect(t.kommo.countCalls(answeredWith(429))).toBeGreaterThan(0);
    expect(t.kommo.countCalls(answeredWith(500))).toBeGreaterThan(0);
    expect(t.kommo.countCalls(answeredWith(0))).toBeGreaterThan(0);
  });

  describe('after a send Postmark never answered', () => {
    const stall = { rate: 1, kinds: ['timeout' as const], timeoutMs: 300, ambiguousTimeouts: true };

    it('keeps looking the emails up when the lookup itself fails, and never re-sends', async () => {
      const postmark = new PostmarkSimulator();
      await postmark.start();
      const breaker = await lookupBreaker(postmark.url);
      t = await startTestApp({
        worker: false,
        postmark,
        env: { POSTMARK_TIMEOUT_MS: '1000', POSTMARK_API_URL: breaker.url },
      });
      try {
        const { leadIds, body } = massMove(t, 3);
        t.postmark.setFaults(stall);
        await postWebhook(t, body).expect(200);
        await t.worker.drain(1);
        expect(t.postmark.sent).toHaveLength(3);

        t.postmark.setFaults({ rate: 0 });
        breaker.state.failLookups = true;
        await new Promise((done) => setTimeout(done, 100));
        await t.worker.drain(1);
        expect(breaker.state.failed).toBeGreaterThan(0);
        breaker.state.failLookups = false;
        await t.drain();

        expectOneEmailPerLead(t.postmark.sent, leadIds);
        expectOneSentNotePerLead(t, leadIds);
        expect(await statuses(t)).toEqual({ sent: 3 });
      } finally {
        await breaker.close();
        await postmark.stop();
      }
    });

    it('does not report a send as failed on its last attempt when Postmark has it', async () => {
      t = await startTestApp({
        worker: false,
        env: { POSTMARK_TIMEOUT_MS: '1000', SEND_MAX_ATTEMPTS: '1' },
      });
      const { leadIds, body } = massMove(t, 3);
      t.postmark.setFaults(stall);
      await postWebhook(t, body).expect(200);
      await t.worker.drain(1);
      t.postmark.setFaults({ rate: 0 });
      await t.drain();

      expectOneEmailPerLead(t.postmark.sent, leadIds);
      expectOneSentNotePerLead(t, leadIds);
      expect(await statuses(t)).toEqual({ sent: 3 });
    });
  });
});
