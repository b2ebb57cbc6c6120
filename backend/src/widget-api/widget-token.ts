import jwt, { JwtPayload } from 'jsonwebtoken';

/** Who is calling, as Kommo's X-Auth-Token says; put on the request by WidgetAuthGuard. */
export interface WidgetUser {
  accountId: number | null;
  userId: number | null;
  subdomain: string;
  isAdmin: boolean;
  tokenId: string | null;
}

export interface WidgetTokenRules {
  /** The integration's client secret: Kommo signs the token with it (HS256). */
  secret: string;
  /** Expected `aud`; null skips the check (nothing configured to compare with). */
  audience: string | null;
  subdomain: string;
  /** Expected `account_id`; null skips the check. */
  accountId: number | null;
  clockToleranceSeconds: number;
}

export type WidgetTokenProblem = 'expired' | 'not_yet_valid' | 'invalid' | 'audience' | 'account';

export class WidgetTokenError extends Error {
  constructor(
    readonly problem: WidgetTokenProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WidgetTokenError';
  }
}

/**
 * Checks a token the way Kommo issues them: HS256 only (so `alg: none` and RS256 keys are
 * refused), signature, expiry and not-before with a little clock slack, audience, and that
 * it was issued for our account. A public integration shares one secret across every
 * account that installs it, so the account check is what keeps accounts apart.
 */
export function verifyWidgetToken(token: string, rules: WidgetTokenRules): WidgetUser {
  const claims = readClaims(token, rules);

  if (typeof claims.exp !== 'number') {
    throw new WidgetTokenError('invalid', 'the token has no expiry time');
  }

  checkAccount(claims, rules);

  return {
    accountId: toId(claims.account_id),
    userId: toId(claims.user_id),
    subdomain: rules.subdomain,
    isAdmin: claims.is_admin === true,
    tokenId: typeof claims.jti === 'string' ? claims.jti : null,
  };
}

function readClaims(token: string, rules: WidgetTokenRules): JwtPayload {
  let decoded: string | JwtPayload;

  try {
    decoded = jwt.verify(token, rules.secret, {
      algorithms: ['HS256'],
      audience: rules.audience ? audiencePattern(rules.audience) : undefined,
      clockTolerance: rules.clockToleranceSeconds,
    });
  } catch (error) {
    throw explain(error);
  }

  if (typeof decoded !== 'object' || decoded === null) {
    throw new WidgetTokenError('invalid', 'the token carries no claims');
  }

  return decoded;
}

/** The configured origin, with or without one trailing slash in the token. */
function audiencePattern(audience: string): RegExp {
  const escaped = audience.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  return new RegExp(`^${escaped}/?$`);
}

function explain(error: unknown): WidgetTokenError {
  if (error instanceof jwt.TokenExpiredError) {
    return new WidgetTokenError('expired', 'the token has expired');
  }

  if (error instanceof jwt.NotBeforeError) {
    return new WidgetTokenError('not_yet_valid', 'the token is not valid yet');
  }

  const message = error instanceof Error ? error.message : String(error);

  if (message.startsWith('jwt audience invalid')) {
    return new WidgetTokenError('audience', 'the token was issued for another audience');
  }

  // Bad signature, a refused algorithm, a malformed token: the reason points at a wrong secret.
  return new WidgetTokenError('invalid', `the token is not valid (${message})`);
}

function checkAccount(claims: JwtPayload, rules: WidgetTokenRules): void {
  const claimed = claims.subdomain === undefined ? undefined : String(claims.subdomain);
  const named = [claimed, subdomainOfIssuer(claims.iss)].filter(
    (value): value is string => value !== undefined,
  );

  if (named.length === 0) {
    throw new WidgetTokenError('account', 'the token names no Kommo account');
  }

  const foreign = named.find((subdomain) => subdomain.toLowerCase() !== rules.subdomain);
  if (foreign !== undefined) {
    throw new WidgetTokenError('account', `the token is for account "${foreign}"`);
  }

  if (rules.accountId !== null && toId(claims.account_id) !== rules.accountId) {
    throw new WidgetTokenError('account', `the token is for account id ${claims.account_id}`);
  }
}

// Kommo's account hosts; an issuer on any other host names a foreign account.
const KOMMO_HOST = /^([a-z0-9-]+)\.(kommo\.com|amocrm\.com|amocrm\.ru)$/i;

/** `https://acmetravel.kommo.com` → acmetravel; any other issuer is returned whole, as foreign. */
function subdomainOfIssuer(issuer: unknown): string | undefined {
  if (issuer === undefined) return undefined;

  const text = String(issuer);
  try {
    const host = new URL(text).hostname;

    return KOMMO_HOST.exec(host)?.[1] ?? host;
  } catch {
    return text === '' ? '(empty issuer)' : `(unreadable issuer ${text.slice(0, 40)})`;
  }
}

function toId(value: unknown): number | null {
  const id = Number(value);

  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
