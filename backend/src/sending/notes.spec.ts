import { NOTE_KEYS, NOTE_LOCALE_TABLES, noteText } from './notes';

describe('note texts', () => {
  it('has every note in every language with the same placeholders', () => {
    for (const table of Object.values(NOTE_LOCALE_TABLES)) {
      for (const key of NOTE_KEYS) {
        const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
        expect(placeholders(table[key])).toEqual(placeholders(NOTE_LOCALE_TABLES.en[key]));
      }
    }
  });

  it('fills placeholders in the chosen language', () => {
    expect(noteText('ru', 'sent', { template: 'proposal-sent', email: 'a@example.com' })).toBe(
      'Письмо «proposal-sent» отправлено на a@example.com через Postmark.',
    );
  });
});
