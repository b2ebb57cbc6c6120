import { sampleJson } from '../../test/support/samples';
import { KommoContact, KommoLead } from '../kommo/kommo.types';
import { contactEmails, formatAddress, mainContactId } from './recipient';

describe('recipient choice', () => {
  it('takes the contact marked main even when it is not first', () => {
    expect(mainContactId(sampleJson<KommoLead>('kommo/lead.json'))).toBe(2290550);
  });

  it('prefers the WORK address, trimmed and lower-cased, over a PRIV one listed first', () => {
    const emails = contactEmails(sampleJson<KommoContact>('kommo/contact.json'));

    expect(emails[0]).toEqual({ email: 'marta.quiroga@example.com', kind: 'WORK' });
    expect(emails[1]).toEqual({ email: 'marta.private@example.org', kind: 'PRIV' });
  });

  it('survives null custom fields and drops invalid addresses', () => {
    const contact = { id: 1, name: 'x', updated_at: 0, custom_fields_values: null } as KommoContact;
    const broken = {
      ...contact,
      custom_fields_values: [
        {
          field_id: 1,
          field_name: 'Email',
          field_code: 'EMAIL',
          field_type: 'multitext',
          values: [{ value: 'not-an-email' }, { value: 'a,b@example.com' }],
        },
      ],
    } as KommoContact;

    expect(contactEmails(contact)).toEqual([]);
    expect(contactEmails(broken)).toEqual([]);
  });

  it('quotes display names so a comma cannot split the recipient list', () => {
    expect(formatAddress('a@example.com', 'Quiroga, Marta')).toBe(
      '"Quiroga, Marta" <a@example.com>',
    );
    expect(formatAddress('a@example.com')).toBe('a@example.com');
  });
});
