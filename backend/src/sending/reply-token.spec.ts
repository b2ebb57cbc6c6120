import { ReplyToken } from './reply-token';

describe('ReplyToken', () => {
  const tokens = new ReplyToken('a-secret-of-at-least-thirty-two-characters');

  it('round-trips a message id through the plus-address', () => {
    const address = tokens.replyAddress('3f9c1e7a8b2d4c6e@inbound.postmarkapp.com', 'm_01ABC');
    const hash = /\+(.+)@/.exec(address)![1];

    expect(address).toMatch(/^3f9c1e7a8b2d4c6e\+m_01ABC\.[\w-]{16}@inbound\.postmarkapp\.com$/);
    expect(tokens.verify(hash)).toBe('m_01ABC');
  });

  it('refuses a forged or altered token', () => {
    const token = tokens.sign('m_01ABC');

    expect(tokens.verify(token.replace('m_01ABC', 'm_01ABD'))).toBeNull();
    expect(tokens.verify('m_01JEXAMPLE0001.k4Xp9')).toBeNull();
    expect(
      tokens.verify(new ReplyToken('another-secret-of-thirty-two-characters!').sign('m_01ABC')),
    ).toBeNull();
    expect(tokens.verify('')).toBeNull();
  });
});
