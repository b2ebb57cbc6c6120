import { startTestApp, TestApp } from './support/app';
import {
  contactTags,
  eventNotesOn,
  eventsOf,
  messageByPostmarkId,
  SAMPLE_EMAILS,
  sendTheSampleEmails,
} from './support/sample-emails';

const { marta, nora, dmitry } = SAMPLE_EMAILS;
const MINUTE = 60_000;

/**
 * Webhooks that never arrived: the worker looks up messages still 'sent' after
 * RECONCILE_AFTER_MINUTES in Postmark's message details and fills in what happened. The
 * clock is moved forward instead of waiting for it.
 */
describe('reconciliation against Postmark’s message details', () => {
  let t: TestApp;
  let offset = 0;

  beforeEach(async () => {
    offset = 0;
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);

    t = await startTestApp({ worker: false, env: { RECONCILE_AFTER_MINUTES: '30' } });
    await sendTheSampleEmails(t);
  });

  afterEach(async () => {
    await t.close();
    jest.restoreAllMocks();
  });

  const detailLookups = () =>
    t.postmark.countCalls((call) => call.path.startsWith('/messages/outbound/'));

  /** Lets time pass, then runs the worker until it is idle, as its timer would. */
  async function after(ms: number): Promise<void> {
    offset += ms;
    await t.drain();
  }

  it('marks a message delivered from a Delivered event no webhook brought', async () => {
    t.postmark.addMessageEvent(marta.postmarkId, {
      Recipient: 'marta.quiroga@example.com',
      Type: 'Delivered',
      ReceivedAt: '2026-12-04T10:20:15.1000000Z',
      Details: { DeliveryMessage: 'smtp;250 2.0.0 OK', DestinationServer: '', DestinationIP: '' },
    });

    await after(31 * MINUTE);
    await after(31 * MINUTE);

    const message = await messageByPostmarkId(t, marta.postmarkId);
    expect(message.status).toBe('delivered');
    const timeline = await eventsOf(t, message.id);
    expect(timeline).toEqual([
      expect.objectContaining({
        record_type: 'Delivery',
        occurred_at: Date.parse('2026-12-04T10:20:15.1Z'),
      }),
    ]);
    expect(JSON.parse(timeline[0].payload)).toMatchObject({ source: 'reconciliation' });
    expect(eventNotesOn(t, marta.leadId)).toEqual([]);

    // The other two had nothing in their details: still 'sent', each looked up once a period.
    expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'sent' });
    expect(await messageByPostmarkId(t, dmitry.postmarkId)).toMatchObject({ status: 'sent' });
    expect(detailLookups()).toBe(5);
  });

  it('bounces, tags and notes from a Bounced event no webhook brought', async () => {
    t.postmark.addMessageEvent(nora.postmarkId, {
      Recipient: 'no.such.person@example.net',
      Type: 'Bounced',
      ReceivedAt: '2026-12-04T10:21:02Z',
      Details: { Summary: 'Unknown user', BounceID: '5123372036854775807' },
    });

    await after(31 * MINUTE);

    expect(await messageByPostmarkId(t, nora.postmarkId)).toMatchObject({ status: 'bounced' });
    expect(contactTags(t, nora.contactId)).toEqual(['email_invalid']);
    const notes = eventNotesOn(t, nora.leadId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('no.such.person@example.net bounced (Unknown user)');
  });

  it('leaves messages alone until RECONCILE_AFTER_MINUTES have passed', async () => {
    t.postmark.addMessageEvent(marta.postmarkId, {
      Recipient: 'marta.quiroga@example.com',
      Type: 'Delivered',
      ReceivedAt: '2026-12-04T10:20:15Z',
      Details: {},
    });

    await after(2 * MINUTE);
    await after(2 * MINUTE);

    expect(detailLookups()).toBe(0);
    expect(await messageByPostmarkId(t, marta.postmarkId)).toMatchObject({ status: 'sent' });
  });

  it('gets to a recent message although older ones never resolve', async () => {
    // Sixty older emails Postmark has no details for (sent with the test token, say).
    const old = Date.now() - 3 * 60 * MINUTE;
    await t.database.db
      .insertInto('messages')
      .values(
        Array.from({ length: 60 }, (_, index) => ({
          id: `m_stuck_${String(index).padStart(2, '0')}`,
          account: 'acmetravel',
          lead_id: 4410021,
          rule_id: null,
          template_alias: 'deal-won-confirmation',
          source: 'stage',
          dedupe_key: `stuck:${index}`,
          status: 'sent',
          recipient: 'marta.quiroga@example.com',
          contact_id: 2290550,
          postmark_message_id: `0000dead-0000-4000-8000-${String(index).padStart(12, '0')}`,
          attempts: 1,
          next_attempt_at: old,
          created_at: old,
          updated_at: old + index,
          sent_at: old + index,
        })),
      )
      .execute();
    t.postmark.addMessageEvent(dmitry.postmarkId, {
      Recipient: 'annoyed@example.org',
      Type: 'Delivered',
      ReceivedAt: '2026-12-04T11:00:00Z',
      Details: {},
    });

    await after(31 * MINUTE);
    await after(2 * MINUTE);

    expect(await messageByPostmarkId(t, dmitry.postmarkId)).toMatchObject({ status: 'delivered' });
    expect(detailLookups()).toBe(63);

    // Nothing is looked up again within the period.
    await after(2 * MINUTE);
    expect(detailLookups()).toBe(63);
  });
});
