import { readJsonFixture } from '../common/fixtures';
import { emailField } from './kommo.records';
import type { ContactSeed, KommoUser, LeadSeed } from './kommo.types';

interface SeedTarget {
  addLead(lead: LeadSeed, contacts?: ContactSeed[]): void;
  addContact(contact: ContactSeed): void;
  addUser(user: KommoUser): void;
}

const SAMPLE_TIMES = { created_at: 1764500000, updated_at: 1764846012 };

/**
 * The account the samples describe: lead 4410021 with its two contacts (the main one second),
 * and the three leads of the multi-lead webhook. Their contacts' addresses match the sample
 * Postmark events (the bounce on 4410031, the spam complaint on 4410032, the reply from Pedro).
 */
export function seedSampleAccount(target: SeedTarget): void {
  target.addUser({
    id: 8123401,
    name: 'Lucía Fernández',
    email: 'lucia.fernandez@acmetravel.example',
    lang: 'es',
  });

  target.addContact(readJsonFixture('kommo/contact.json'));
  target.addContact({
    id: 2290551,
    name: 'Jorge Quiroga',
    first_name: 'Jorge',
    last_name: 'Quiroga',
    ...SAMPLE_TIMES,
    custom_fields_values: [emailField('jorge@example.com', 'OTHER')],
  });
  target.addLead(readJsonFixture('kommo/lead.json'));

  const movedLeads: Array<[LeadSeed, ContactSeed]> = [
    [
      { id: 4410031, name: 'Beach week for two', price: 3100, status_id: 61822003 },
      { id: 2290560, name: 'Nora Sánchez', email: 'no.such.person@example.net' },
    ],
    [
      { id: 4410032, name: 'Сделка: конференц-зал', price: 8800, status_id: 61822003 },
      { id: 2290561, name: 'Дмитрий Соколов', email: 'annoyed@example.org' },
    ],
    [
      { id: 4410033, name: 'Ski trip', price: 5400, status_id: 142, closed_at: 1764846012 },
      { id: 2290562, name: 'Pedro Alves', email: 'pedro.alves@example.com' },
    ],
  ];

  for (const [lead, contact] of movedLeads) {
    target.addLead({ ...SAMPLE_TIMES, ...lead }, [{ ...SAMPLE_TIMES, ...contact }]);
  }
}
