import { randomBytes, randomUUID } from 'node:crypto';

export interface TokenPair {
  token_type: 'Bearer';
  expires_in: number;
  server_time: number;
  access_token: string;
  refresh_token: string;
}

export type GrantResult = { ok: true; tokens: TokenPair } | { ok: false; hint: string };

interface IssuedToken {
  family: number;
  expiresAt: number;
  used: boolean;
}

/**
 * Kommo's OAuth grants. Authorization codes and refresh tokens are single-use. Every code
 * starts a token family; presenting a spent refresh token revokes the whole family (its newest
 * refresh token and its access tokens), which is how two racing refreshes lose an account
 * until a person authorises again.
 */
export class KommoOAuthGrants {
  accessTokenTtlSeconds = 86_400;

  private readonly codes = new Set<string>();
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  private readonly revokedFamilies = new Set<number>();
  private nextFamily = 1;

  constructor(private readonly clientId: string) {}

  issueCode(): string {
    const code = `def50200${randomBytes(24).toString('hex')}`;
    this.codes.add(code);

    return code;
  }

  exchangeCode(code: string): GrantResult {
    if (!this.codes.delete(code)) {
      return { ok: false, hint: 'Authorization code has been revoked' };
    }

    return { ok: true, tokens: this.issue(this.nextFamily++) };
  }

  refresh(refreshToken: string): GrantResult {
    const issued = this.refreshTokens.get(refreshToken);
    if (!issued) {
      return { ok: false, hint: 'Cannot decrypt the refresh token' };
    }

    if (issued.used || this.revokedFamilies.has(issued.family)) {
      this.revokedFamilies.add(issued.family);

      return { ok: false, hint: 'Token has been revoked' };
    }

    issued.used = true;

    return { ok: true, tokens: this.issue(issued.family) };
  }

  isValidAccessToken(token: string): boolean {
    const issued = this.accessTokens.get(token);
    if (!issued || this.revokedFamilies.has(issued.family)) {
      return false;
    }

    return issued.expiresAt > Date.now();
  }

  private issue(family: number): TokenPair {
    const serverTime = Math.floor(Date.now() / 1000);
    const ttl = this.accessTokenTtlSeconds;
    const accessToken = this.fakeJwt(serverTime, ttl);
    const refreshToken = `def50200${randomBytes(48).toString('hex')}`;

    this.accessTokens.set(accessToken, { family, expiresAt: Date.now() + ttl * 1000, used: false });
    this.refreshTokens.set(refreshToken, { family, expiresAt: Infinity, used: false });

    return {
      token_type: 'Bearer',
      expires_in: ttl,
      server_time: serverTime,
      access_token: accessToken,
      refresh_token: refreshToken,
    };
  }

  /** Shaped like Kommo's RS256 JWT (clients sometimes read its claims); the signature is noise. */
  private fakeJwt(issuedAt: number, ttl: number): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = { typ: 'JWT', alg: 'RS256', jti: randomUUID() };
    const claims = {
      aud: this.clientId,
      jti: header.jti,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + ttl,
      sub: '8123401',
      account_id: 30127781,
      scopes: ['crm', 'notifications'],
    };

    return `${encode(header)}.${encode(claims)}.${randomBytes(64).toString('base64url')}`;
  }
}
