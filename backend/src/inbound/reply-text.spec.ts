import { sampleJson } from '../../test/support/samples';
import { InboundPayload, isAutoReply, referencedMessageIds, replyText } from './reply-text';

describe('replyText', () => {
  it('uses the stripped reply with its Cyrillic, Spanish and emoji intact', () => {
    expect(replyText(sampleJson<InboundPayload>('postmark/inbound-reply.json'))).toBe(
      '¡Gracias! Подтверждаю, жду договор 👍',
    );
  });

  it('turns an HTML-only mail into its text', () => {
    const text = replyText(sampleJson<InboundPayload>('postmark/inbound-html-only.json'));

    expect(text).toContain('Olá, podemos mudar a data para março?');
    expect(text).toContain('Obrigado');
    expect(text).not.toContain('<');
  });

  it('cuts the quoted history from a plain text body', () => {
    const payload: InboundPayload = {
      TextBody:
        'Sí, de acuerdo.\n\nEl vie, 4 dic 2026 a las 11:20, Acme escribió:\n> texto anterior\n',
    };

    expect(replyText(payload)).toBe('Sí, de acuerdo.');
  });

  it('gives an empty string when nothing is there, so the caller can say so', () => {
    expect(replyText({ TextBody: '> only quote', HtmlBody: '' })).toBe('');
  });
});

describe('reply headers', () => {
  it('finds Postmark ids in In-Reply-To in bracketed and bare form', () => {
    expect(referencedMessageIds('<5D2B8F0E-3c41-4a7e-9a55-1f0c2b7e9d10@mtasv.net>')).toEqual([
      '5d2b8f0e-3c41-4a7e-9a55-1f0c2b7e9d10',
    ]);
    expect(referencedMessageIds('<a@b> 7a1c9d22-0b6e-4f1a-8d3c-6e2f4a9b1c01')).toEqual([
      '7a1c9d22-0b6e-4f1a-8d3c-6e2f4a9b1c01',
    ]);
  });

  it('labels auto-replies by their headers', () => {
    expect(isAutoReply({ Headers: [{ Name: 'Auto-Submitted', Value: 'auto-replied' }] })).toBe(
      true,
    );
    expect(isAutoReply({ Headers: [{ Name: 'Auto-Submitted', Value: 'no' }] })).toBe(false);
    expect(isAutoReply(sampleJson<InboundPayload>('postmark/inbound-reply.json'))).toBe(false);
  });
});
