import { createTranslator } from './translator';

const sections: Record<string, unknown> = {
  sidebar: { send: 'Send', confirm_question: 'Send “{template}” to {email}?' },
};

describe('createTranslator', () => {
  const t = createTranslator((name) => sections[name]);

  it('walks the dotted key below the section Kommo returns', () => {
    expect(t('sidebar.send')).toBe('Send');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('sidebar.confirm_question', { template: 'Welcome', email: 'a@b.co' })).toBe(
      'Send “Welcome” to a@b.co?',
    );
    expect(t('sidebar.confirm_question', { template: 'Welcome' })).toBe(
      'Send “Welcome” to {email}?',
    );
  });

  it('shows the key itself when a text is missing', () => {
    expect(t('sidebar.preview')).toBe('sidebar.preview');
    expect(t('rules.save')).toBe('rules.save');
  });
});
