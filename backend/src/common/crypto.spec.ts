import { maskEmail, maskEmailsIn } from './crypto';

describe('address masking', () => {
  it('masks one address', () => {
    expect(maskEmail('marta.quiroga@example.com')).toBe('m***@example.com');
  });

  it('masks every address inside a text, encoded or not, and leaves masked ones alone', () => {
    const text =
      'Found inactive addresses: annoyed@example.org, x@y.co. ' +
      'Query ?email=marta.private%40example.org ' +
      'seen by m***@example.com';

    expect(maskEmailsIn(text)).toBe(
      'Found inactive addresses: a***@example.org, x***@y.co. Query ?email=m***%40example.org ' +
        'seen by m***@example.com',
    );
  });
});
