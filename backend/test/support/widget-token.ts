import jwt from 'jsonwebtoken';

/** What startTestApp configures; widget specs sign their tokens with it. */
export const WIDGET_SECRET = 'kommo-client-secret-for-tests';
export const WIDGET_AUDIENCE = 'https://kp.acmetravel.example';
export const ACCOUNT_ID = 30127781;

export type TokenClaims = Record<string, unknown>;

/** The claims Kommo puts in X-Auth-Token for an administrator of acmetravel. */
export function kommoClaims(overrides: TokenClaims = {}): TokenClaims {
  const now = Math.floor(Date.now() / 1000);

  return {
    iss: 'https://acmetravel.kommo.com',
    aud: WIDGET_AUDIENCE,
    jti: `jti-${now}-${Math.random().toString(36).slice(2)}`,
    iat: now,
    nbf: now,
    exp: now + 30 * 60,
    account_id: ACCOUNT_ID,
    user_id: 8123401,
    client_uuid: '00000000-0000-4000-8000-000000000000',
    subdomain: 'acmetravel',
    is_admin: true,
    ...overrides,
  };
}

/** A token as Kommo signs it: HS256 with the integration's client secret. */
export function widgetToken(overrides: TokenClaims = {}, secret = WIDGET_SECRET): string {
  const claims = Object.fromEntries(
    Object.entries(kommoClaims(overrides)).filter(([, value]) => value !== undefined),
  );

  return jwt.sign(claims, secret, { algorithm: 'HS256' });
}
