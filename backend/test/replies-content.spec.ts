import request from 'supertest';
import { basicAuth, startTestApp, TestApp } from './support/app';
import {
  eventNotesOn,
  postInbound,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
} from './support/sample-emails';
import { sampleJson } from './support/samples';

const { marta } = SAMPLE_EMAILS;
const MIB = 1024 * 1024;
const HEADER = 'Reply from Marta Quiroga <marta.quiroga@example.com>\nSubject: Re: Your booking';

let replyCount = 0;

/** Marta's sample reply under a new MessageID, still answering our email through In-Reply-To. */
function reply(changes: Record<string, unknown>): Record<string, unknown> {
  replyCount += 1;

  return {
    ...sampleJson('postmark/inbound-reply.json'),
    MessageID: `c0ffee00-0000-4000-8000-${String(replyCount).padStart(12, '0')}`,
    Subject: 'Re: Your booking',
    ...changes,
  };
}

function attachment(name: string, bytes: number, withLength = true) {
  const content = Buffer.alloc(bytes, 0x25).toString('base64');

  return {
    Name: name,
    ContentType: 'application/octet-stream',
    Content: content,
    ...(withLength ? { ContentLength: bytes } : {}),
  };
}

describe('what a reply note says', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    await sendTheSampleEmails(t, 'marta');
  });

  afterAll(async () => {
    await t.close();
  });

  /** Posts a reply and returns its stored row and the note it wrote on Marta's lead. */
  async function deliver(payload: Record<string, unknown> | string) {
    const before = eventNotesOn(t, marta.leadId).length;
    const response = await postInbound(t, payload);
    expect(response.status).toBe(200);
    await t.drain();

    const row = await t.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('id', '=', JSON.parse(response.body).id)
      .executeTakeFirstOrThrow();
    const notes = eventNotesOn(t, marta.leadId).slice(before);

    return { row, notes, response };
  }

  it('takes a 40 MB message and lists its attachments with their sizes', async () => {
    const payload = reply({
      StrippedTextReply: 'Los contratos firmados, adjuntos.',
      Attachments: [attachment('contratos.pdf', 26 * MIB), attachment('plano.png', 3 * MIB)],
    });
    const body = JSON.stringify(payload);
    expect(Buffer.byteLength(body)).toBeGreaterThan(40_000_000);

    const { row, notes } = await deliver(body);

    expect(row).toMatchObject({ status: 'matched', lead_id: marta.leadId });
    expect(row.raw.length).toBe(body.length);
    expect(notes).toEqual([
      `${HEADER}\n\nLos contratos firmados, adjuntos.\n\n` +
        'Attachments: contratos.pdf (26.0 MB), plano.png (3.0 MB)',
    ]);
  });

  it('says so when there is no text, and sizes an attachment Postmark did not', async () => {
    const { notes } = await deliver(
      reply({
        StrippedTextReply: '',
        TextBody: '',
        HtmlBody: '',
        Attachments: [attachment('factura.pdf', 1536), attachment('foto.jpg', 2 * MIB + 1, false)],
      }),
    );

    expect(notes).toEqual([
      `${HEADER}\n\n(no text, 2 attachments)\n\n` +
        'Attachments: factura.pdf (1.5 KB), foto.jpg (2.0 MB)',
    ]);
  });

  it('cuts a very long reply with a visible marker, never through an emoji', async () => {
    // The limit falls inside the emoji: it moves to the next reply part as a whole.
    const text = `${'a'.repeat(12_999)}👍${'b'.repeat(7_000)}`;

    const { notes } = await deliver(reply({ StrippedTextReply: text, Attachments: [] }));

    expect(notes).toHaveLength(1);
    expect(notes[0]).toBe(
      `${HEADER}\n\n${'a'.repeat(12_999)}\n[… reply cut, 7001 more characters]`,
    );
    expect(notes[0]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it.each([
    ['Auto-Submitted: auto-replied', [{ Name: 'Auto-Submitted', Value: 'auto-replied' }]],
    ['X-Autoreply: yes', [{ Name: 'X-Autoreply', Value: 'yes' }]],
    ['Precedence: auto_reply', [{ Name: 'Precedence', Value: 'auto_reply' }]],
  ])('labels an automatic reply (%s)', async (_label, extra) => {
    const headers = [{ Name: 'In-Reply-To', Value: `<${marta.postmarkId}@mtasv.net>` }, ...extra];

    const { notes } = await deliver(
      reply({
        Subject: 'Fuera de la oficina',
        StrippedTextReply: 'Estoy fuera hasta el lunes.',
        Headers: headers,
        Attachments: [],
      }),
    );

    expect(notes).toEqual([
      'Automatic reply from Marta Quiroga <marta.quiroga@example.com>\n' +
        'Subject: Fuera de la oficina\n\nEstoy fuera hasta el lunes.',
    ]);
  });

  it('leaves the quoted history out when Postmark could not strip it', async () => {
    const { notes } = await deliver(
      reply({
        StrippedTextReply: '',
        TextBody:
          'Да, всё верно.\n\n' +
          'пт, 4 дек. 2026 г. в 11:20, Acme Travel <bookings@acmetravel.example> пишет:\n' +
          '> Dear Marta Quiroga,\n',
        Attachments: [],
      }),
    );

    expect(notes).toEqual([`${HEADER}\n\nДа, всё верно.`]);
  });

  it('stores a subject carrying a NUL character and still notes the reply', async () => {
    const { row, notes } = await deliver(
      reply({
        Subject: 'Re: Your\u0000booking',
        StrippedTextReply: 'Vale.',
        Attachments: [],
      }),
    );

    expect(row).toMatchObject({ status: 'matched', subject: 'Re: Your\uFFFDbooking' });
    expect(notes).toHaveLength(1);
  });

  it('stores a body that is not JSON, answers 200 and keeps it once', async () => {
    const body = '{"From": "marta.quiroga@example.com", "Subject": "Re: cut off in transit';

    const first = await deliver(body);
    const second = await postInbound(t, body);

    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ duplicate: true, id: first.row.id });
    expect(first.row).toMatchObject({ status: 'invalid', raw: body, error: 'body is not JSON' });
    expect(first.notes).toEqual([]);
  });

  it('answers 401 to wrong credentials and stores nothing', async () => {
    const count = async () =>
      (await t.database.db.selectFrom('inbound_messages').select('id').execute()).length;
    const before = await count();

    const wrong = await postInbound(t, reply({}), { user: 'postmark', password: 'guess' });
    const missing = await request(t.url)
      .post('/webhooks/postmark/inbound')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(reply({})));
    const otherScheme = await request(t.url)
      .post('/webhooks/postmark/inbound')
      .set('Authorization', basicAuth().replace('Basic', 'Bearer'))
      .send(JSON.stringify(reply({})));

    expect([wrong.status, missing.status, otherScheme.status]).toEqual([401, 401, 401]);
    expect(await count()).toBe(before);
  });
});
