import request from 'supertest';
import type { BasicAuth } from '@kp/simulators';
import { POSTMARK_AUTH, TestApp, WEBHOOK_TOKEN } from './app';
import { sample } from './samples';

/**
 * The three emails the Postmark samples talk about. Moving the sample leads into the stage
 * with a rule sends them, and the Postmark simulator hands out the samples' MessageIDs.
 */
export const SAMPLE_EMAILS = {
  marta: {
    postmarkId: '5d2b8f0e-3c41-4a7e-9a55-1f0c2b7e9d10',
    leadId: 4410021,
    contactId: 2290550,
  },
  nora: { postmarkId: '7a1c9d22-0b6e-4f1a-8d3c-6e2f4a9b1c01', leadId: 4410031, contactId: 2290560 },
  dmitry: {
    postmarkId: '9b3e1f44-2d8a-4c6b-a1e5-8f4b6c2d3e02',
    leadId: 4410032,
    contactId: 2290561,
  },
} as const;

const FORM = 'application/x-www-form-urlencoded';

export function postStageWebhook(t: TestApp, body: string) {
  return request(t.url)
    .post(`/webhooks/kommo/${WEBHOOK_TOKEN}`)
    .set('Content-Type', FORM)
    .send(body)
    .expect(200);
}

/** Sends the email to lead 4410021 first, then those to 4410031 and 4410032. */
export async function sendTheSampleEmails(t: TestApp, which: 'marta' | 'all' = 'all') {
  const { marta, nora, dmitry } = SAMPLE_EMAILS;
  t.postmark.queueMessageIds([marta.postmarkId, nora.postmarkId, dmitry.postmarkId]);

  await postStageWebhook(t, sample('kommo/status-webhook.form.txt'));
  await t.drain();
  if (which === 'all') {
    await postStageWebhook(t, sample('kommo/status-webhook-multi.form.txt'));
    await t.drain();
  }

  const sent = await t.database.db
    .selectFrom('messages')
    .select(['lead_id', 'postmark_message_id', 'status'])
    .orderBy('lead_id')
    .execute();
  const expected = which === 'all' ? [marta, nora, dmitry] : [marta];
  if (sent.some((row, index) => row.postmark_message_id !== expected[index]?.postmarkId)) {
    throw new Error(`the sample emails did not get the sample ids: ${JSON.stringify(sent)}`);
  }
}

export function postEvent(t: TestApp, body: object | string, traceId?: string, auth?: BasicAuth) {
  const url = `${t.url}/webhooks/postmark/events`;

  return t.postmark.postEvent(url, body, auth ?? POSTMARK_AUTH, traceId);
}

export function postInbound(t: TestApp, body: object | string, auth?: BasicAuth) {
  return t.postmark.postInbound(`${t.url}/webhooks/postmark/inbound`, body, auth ?? POSTMARK_AUTH);
}

export function messageByPostmarkId(t: TestApp, postmarkId: string) {
  return t.database.db
    .selectFrom('messages')
    .selectAll()
    .where('postmark_message_id', '=', postmarkId)
    .executeTakeFirstOrThrow();
}

export function eventsOf(t: TestApp, messageId: string | null) {
  const query = t.database.db.selectFrom('message_events').selectAll().orderBy('id');

  return messageId === null
    ? query.where('message_id', 'is', null).execute()
    : query.where('message_id', '=', messageId).execute();
}

/** Note texts on a lead in the Kommo simulator, oldest first. */
export function notesOn(t: TestApp, leadId: number): string[] {
  return t.kommo.notes
    .filter((note) => note.entity_id === leadId)
    .map((note) => String(note.params.text));
}

/** Note texts other than the "email sent" note every send writes. */
export function eventNotesOn(t: TestApp, leadId: number): string[] {
  return notesOn(t, leadId).filter((text) => !/^Email ".+" sent to /.test(text));
}

export function contactTags(t: TestApp, contactId: number): string[] {
  return (t.kommo.contacts.get(contactId)?._embedded.tags ?? []).map((tag) => tag.name);
}

/**
 * A sample with some fields changed, as the JSON text Postmark would post. A bounce's int64
 * `ID` goes through as text and comes out as the same bare number.
 */
export function variant(file: string, changes: Record<string, unknown>): string {
  const parsed = JSON.parse(sample(file).replace(/("ID"\s*:\s*)(\d+)/, '$1"$2"')) as object;

  return JSON.stringify({ ...parsed, ...changes }).replace(/("ID":)"(\d+)"/, '$1$2');
}
