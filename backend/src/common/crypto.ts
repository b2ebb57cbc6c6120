import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';

/** Symmetric encryption for secrets at rest (Kommo tokens), keyed from APP_SECRET. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = scryptSync(secret, 'kommo-postmark/secret-box', 32);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);

    return [
      'v1',
      ...[iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')),
    ].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) {
      throw new Error('sealed value has an unknown format');
    }

    const decipher = createDecipheriv('aes-256-gcm', this.key, decode(iv));
    decipher.setAuthTag(decode(tag));

    return Buffer.concat([decipher.update(decode(body)), decipher.final()]).toString('utf8');
  }
}

function decode(part: string): Buffer {
  return Buffer.from(part, 'base64url');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHmac('sha256', 'compare').update(a).digest();
  const right = createHmac('sha256', 'compare').update(b).digest();

  return timingSafeEqual(left, right);
}

/** Masks an address for logs: marta.quiroga@example.com → m***@example.com. */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return '(none)';
  const at = email.indexOf('@');
  if (at < 1) return '***';

  return `${email[0]}***${email.slice(at)}`;
}

// An address inside free text (a Postmark error message, a query string), '@' possibly encoded.
const EMAIL_IN_TEXT = /([^\s@<>"'(),;:=&?/[\]]+)(@|%40)([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** Masks every address in a text the way maskEmail does; already masked ones stay as they are. */
export function maskEmailsIn(text: string): string {
  return text.replace(
    EMAIL_IN_TEXT,
    (_, local: string, at: string, domain: string) => `${local[0]}***${at}${domain}`,
  );
}
