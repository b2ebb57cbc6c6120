import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InboundService } from '../src/inbound/inbound.service';
import { startTestApp, TestApp } from './support/app';
import {
  eventNotesOn,
  postInbound,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
} from './support/sample-emails';
import { sample, SAMPLES_DIR } from './support/samples';

const { marta } = SAMPLE_EMAILS;
const INBOUND_SAMPLES = ['inbound-html-only.json', 'inbound-reply.json'];

it('covers every inbound sample', () => {
  const files = readdirSync(join(SAMPLES_DIR, 'postmark')).filter((file) =>
    /^inbound-.+\.json$/.test(file),
  );

  expect(files.sort()).toEqual(INBOUND_SAMPLES);
});

describe('Postmark inbound samples, each posted twice', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
    await sendTheSampleEmails(t, 'marta');
  });

  afterEach(async () => {
    await t.close();
  });

  const storedReplies = () =>
    t.database.db.selectFrom('inbound_messages').selectAll().orderBy('id').execute();

  it('inbound-reply.json: one stored reply, matched through In-Reply-To, one note', async () => {
    const body = sample('postmark/inbound-reply.json');

    const first = await postInbound(t, body);
    const second = await postInbound(t, body);
    await t.drain();

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(JSON.parse(second.body)).toMatchObject({ ok: true, duplicate: true });

    const replies = await storedReplies();
    expect(replies).toHaveLength(1);
    // The sample's MailboxHash carries a made-up signature, so the token does not count.
    expect(replies[0]).toMatchObject({
      status: 'matched',
      lead_id: marta.leadId,
      matched_by: 'in_reply_to',
      from_email: 'marta.quiroga@example.com',
      subject: 'Re: Your booking is confirmed, Marta Quiroga!',
    });
    expect(replies[0].message_id).toMatch(/^m_/);
    expect(replies[0].raw).toBe(body);

    expect(eventNotesOn(t, marta.leadId)).toEqual([
      'Reply from Marta Quiroga <marta.quiroga@example.com>\n' +
        'Subject: Re: Your booking is confirmed, Marta Quiroga!\n\n' +
        '¡Gracias! Подтверждаю, жду договор 👍\n\n' +
        'Attachments: contract-signed.txt (26 B)',
    ]);
  });

  it('inbound-html-only.json: one stored reply, unmatched, noted once when assigned', async () => {
    const body = sample('postmark/inbound-html-only.json');
    const inbound = t.app.get(InboundService);

    await postInbound(t, body);
    await postInbound(t, body);
    await t.drain();

    // Pedro's only lead is closed (won), so there is no open lead to put it on.
    const [reply] = await storedReplies();
    expect(reply).toMatchObject({ status: 'unmatched', lead_id: null, matched_by: null });
    expect(await storedReplies()).toHaveLength(1);
    expect(t.kommo.notes).toHaveLength(1);
    expect(await inbound.listUnmatched()).toEqual([
      expect.objectContaining({ id: reply.id, from_email: 'pedro.alves@example.com' }),
    ]);

    await inbound.assign(Number(reply.id), 4410033);
    await inbound.assign(Number(reply.id), 4410033);
    await t.drain();

    expect(await inbound.listUnmatched()).toEqual([]);
    expect(await inbound.get(Number(reply.id))).toMatchObject({
      status: 'matched',
      lead_id: 4410033,
      matched_by: 'manual',
    });
    const notes = eventNotesOn(t, 4410033);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toBe(
      'Reply from Pedro Alves <pedro.alves@example.com>\nSubject: Pergunta sobre a proposta\n\n' +
        'Olá, podemos mudar a data para março?\n\nObrigado',
    );
  });
});
