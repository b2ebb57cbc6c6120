import { InboundService } from '../src/inbound/inbound.service';
import { ReplyToken } from '../src/sending/reply-token';
import { APP_SECRET, INBOUND_ADDRESS, PIPELINE, startTestApp, TestApp } from './support/app';
import {
  eventNotesOn,
  postInbound,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
} from './support/sample-emails';
import { sampleJson } from './support/samples';

const { marta, nora, dmitry } = SAMPLE_EMAILS;
const STRANGER = 'quien.sabe@elsewhere.example';

let replyCount = 0;

/**
 * A reply shaped like the sample but carrying nothing that points at an email of ours: no
 * MailboxHash, no In-Reply-To or References, from an address Kommo does not know. Each test
 * adds back just the clue it is about.
 */
function reply(changes: Record<string, unknown> = {}): Record<string, unknown> {
  replyCount += 1;
  const base = sampleJson('postmark/inbound-reply.json');

  return {
    ...base,
    MessageID: `b7c1e2d3-0000-4000-8000-${String(replyCount).padStart(12, '0')}`,
    From: STRANGER,
    FromName: 'Quien Sabe',
    FromFull: { Email: STRANGER, Name: 'Quien Sabe', MailboxHash: '' },
    To: INBOUND_ADDRESS,
    ToFull: [{ Email: INBOUND_ADDRESS, Name: '', MailboxHash: '' }],
    OriginalRecipient: INBOUND_ADDRESS,
    MailboxHash: '',
    Headers: [{ Name: 'Message-ID', Value: `<reply-${replyCount}@mail.elsewhere.example>` }],
    ...changes,
  };
}

function withHeaders(...headers: Array<[string, string]>): Record<string, unknown> {
  return {
    Headers: [
      { Name: 'Message-ID', Value: '<CAF0another@mail.example.com>' },
      ...headers.map(([Name, Value]) => ({ Name, Value })),
    ],
  };
}

function from(address: string, name = 'Marta Quiroga'): Record<string, unknown> {
  return { From: address, FromName: name, FromFull: { Email: address, Name: name } };
}

function withToken(token: string): Record<string, unknown> {
  const address = INBOUND_ADDRESS.replace('@', `+${token}@`);

  return {
    To: address,
    ToFull: [{ Email: address, Name: 'Acme Travel', MailboxHash: token }],
    OriginalRecipient: address,
    MailboxHash: token,
  };
}

describe('which lead a reply belongs to', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ worker: false });
  });

  afterEach(async () => {
    await t.close();
  });

  /** Posts a reply, lets it be matched, and returns its stored row. */
  async function deliver(payload: Record<string, unknown>) {
    const response = await postInbound(t, payload);
    expect(response.status).toBe(200);
    await t.drain();

    return t.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('postmark_message_id', '=', String(payload.MessageID))
      .executeTakeFirstOrThrow();
  }

  async function messageIdOf(leadId: number): Promise<string> {
    const row = await t.database.db
      .selectFrom('messages')
      .select('id')
      .where('lead_id', '=', leadId)
      .executeTakeFirstOrThrow();

    return row.id;
  }

  describe('after our emails went out', () => {
    beforeEach(async () => {
      await sendTheSampleEmails(t);
    });

    it('matches through In-Reply-To alone, bracketed or bare', async () => {
      const bracketed = await deliver(
        reply(withHeaders(['In-Reply-To', `<${nora.postmarkId}@mtasv.net>`])),
      );
      const bare = await deliver(reply(withHeaders(['In-Reply-To', dmitry.postmarkId])));

      expect(bracketed).toMatchObject({ status: 'matched', lead_id: nora.leadId });
      expect(bracketed).toMatchObject({ matched_by: 'in_reply_to' });
      expect(bracketed.message_id).toBe(await messageIdOf(nora.leadId));
      expect(bare).toMatchObject({ status: 'matched', lead_id: dmitry.leadId });
      expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
      expect(eventNotesOn(t, nora.leadId)[0]).toMatch(/^Reply from Quien Sabe <quien\.sabe@/);
      expect(eventNotesOn(t, dmitry.leadId)).toHaveLength(1);
    });

    it('matches through References when In-Reply-To names a message that is not ours', async () => {
      const row = await deliver(
        reply(
          withHeaders(
            ['In-Reply-To', '<CAF0their-own@mail.example.com>'],
            ['References', `<older@mail.example.com> <${nora.postmarkId}@mtasv.net>`],
          ),
        ),
      );

      expect(row).toMatchObject({
        status: 'matched',
        lead_id: nora.leadId,
        matched_by: 'references',
      });
      expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
    });

    it('trusts a signed token over the headers, and records that it did', async () => {
      const token = new ReplyToken(APP_SECRET).sign(await messageIdOf(dmitry.leadId));
      const row = await deliver(
        reply({
          ...withToken(token),
          ...withHeaders(['In-Reply-To', `<${nora.postmarkId}@mtasv.net>`]),
        }),
      );

      expect(row).toMatchObject({ status: 'matched', lead_id: dmitry.leadId, matched_by: 'token' });
      expect(eventNotesOn(t, dmitry.leadId)).toHaveLength(1);
      expect(eventNotesOn(t, nora.leadId)).toEqual([]);
    });

    it('does not follow a forged token to the lead it names', async () => {
      const noraMessage = await messageIdOf(nora.leadId);
      const signature = new ReplyToken(APP_SECRET).sign(noraMessage).split('.')[1];
      const forged = [
        // Right shape, signature made up.
        `${noraMessage}.AAAAAAAAAAAAAAAA`,
        // A real signature moved onto another message id.
        `${await messageIdOf(dmitry.leadId)}.${signature}`,
        // A real token with one character changed.
        `${noraMessage.slice(0, -1)}${noraMessage.endsWith('A') ? 'B' : 'A'}.${signature}`,
      ];

      const rows = [];
      for (const token of forged) rows.push(await deliver(reply(withToken(token))));

      expect(rows.map((row) => row.status)).toEqual(['unmatched', 'unmatched', 'unmatched']);
      expect(eventNotesOn(t, nora.leadId)).toEqual([]);
      expect(eventNotesOn(t, dmitry.leadId)).toEqual([]);
    });

    it('falls back to the sender when the token is forged, and says so', async () => {
      const noraMessage = await messageIdOf(nora.leadId);
      const row = await deliver(
        reply({
          ...withToken(`${noraMessage}.k4Xp9AAAAAAAAAAA`),
          ...from('marta.quiroga@example.com'),
        }),
      );

      expect(row).toMatchObject({ status: 'matched', lead_id: marta.leadId, matched_by: 'sender' });
      expect(eventNotesOn(t, nora.leadId)).toEqual([]);
    });

    it('matches a sender written in capitals with spaces', async () => {
      const row = await deliver(reply(from(' Marta.Quiroga@EXAMPLE.com ')));

      expect(row).toMatchObject({
        status: 'matched',
        lead_id: marta.leadId,
        matched_by: 'sender',
        from_email: 'marta.quiroga@example.com',
      });
      const notes = eventNotesOn(t, marta.leadId);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain('Reply from Marta Quiroga <Marta.Quiroga@EXAMPLE.com>');
    });

    it('puts a sender-matched reply on the lead we last emailed, not the newest one', async () => {
      t.kommo.addLead(
        { id: 4410077, name: 'Second retreat', status_id: 61822002, pipeline_id: PIPELINE },
        [{ id: marta.contactId, name: 'Marta Quiroga', is_main: true }],
      );

      const row = await deliver(reply(from('marta.quiroga@example.com')));

      expect(row).toMatchObject({ lead_id: marta.leadId, matched_by: 'sender' });
      expect(eventNotesOn(t, 4410077)).toEqual([]);
    });

    it('ignores a lead id header, which anyone writing to the inbound address could forge', async () => {
      const row = await deliver(reply(withHeaders(['X-Kommo-Lead-Id', String(dmitry.leadId)])));

      expect(row.lead_id).not.toBe(dmitry.leadId);
      expect(row.matched_by).not.toBe('lead_header');
      expect(eventNotesOn(t, dmitry.leadId)).toEqual([]);
    });
  });

  it('without any email of ours, picks the contact’s most recently updated open lead', async () => {
    const now = Math.floor(Date.now() / 1000);
    const link = [{ id: marta.contactId, name: 'Marta Quiroga', is_main: true }];
    t.kommo.addLead(
      {
        id: 4410077,
        name: 'Open, newer',
        status_id: 61822002,
        pipeline_id: PIPELINE,
        updated_at: now,
      },
      link,
    );
    t.kommo.addLead(
      {
        id: 4410078,
        name: 'Won, newest',
        status_id: 142,
        pipeline_id: PIPELINE,
        updated_at: now + 60,
      },
      link,
    );

    const row = await deliver(reply(from('MARTA.QUIROGA@example.com')));

    expect(row).toMatchObject({ status: 'matched', lead_id: 4410077, matched_by: 'sender' });
    expect(eventNotesOn(t, 4410077)).toHaveLength(1);
    expect(eventNotesOn(t, marta.leadId)).toEqual([]);
  });

  it('keeps a reply from an address Kommo does not know until someone assigns it', async () => {
    const inbound = t.app.get(InboundService);
    const row = await deliver(reply({ Subject: 'Pregunta' }));

    expect(row).toMatchObject({ status: 'unmatched', lead_id: null, from_email: STRANGER });
    expect(t.kommo.notes).toEqual([]);
    expect(await inbound.listUnmatched()).toEqual([
      expect.objectContaining({ id: row.id, from_email: STRANGER, subject: 'Pregunta' }),
    ]);

    const assigned = await inbound.assign(Number(row.id), nora.leadId);
    await t.drain();

    expect(assigned).toMatchObject({
      status: 'matched',
      lead_id: nora.leadId,
      matched_by: 'manual',
    });
    expect(await inbound.listUnmatched()).toEqual([]);
    const notes = eventNotesOn(t, nora.leadId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('Reply from Quien Sabe <quien.sabe@elsewhere.example>');
    expect(notes[0]).toContain('Подтверждаю');

    // Assigned to the wrong lead at first? Assigning again notes it on the right one.
    await inbound.assign(Number(row.id), dmitry.leadId);
    await t.drain();
    expect(eventNotesOn(t, dmitry.leadId)).toHaveLength(1);
    expect(eventNotesOn(t, nora.leadId)).toHaveLength(1);
  });
});
