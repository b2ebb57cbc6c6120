import { Injectable, Logger } from '@nestjs/common';
import axios from 'axios';
import { sql } from 'kysely';
import { AppConfig } from '../config/app-config';
import { SecretBox } from '../common/crypto';
import { DatabaseService } from '../database/database.service';
import { KommoError } from './kommo.errors';

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

/** Refresh this long before expiry so no request goes out with a token about to die. */
const REFRESH_MARGIN_MS = 10 * 60_000;

/**
 * Gives the Kommo client a valid access token: the long-lived one when configured,
 * else the OAuth pair from the database, refreshed in a single flight. Kommo's refresh
 * tokens are single-use, so the new pair is stored before anything uses it.
 */
@Injectable()
export class KommoAuthService {
  private readonly logger = new Logger(KommoAuthService.name);
  private readonly box: SecretBox;
  private refreshing?: Promise<string>;
  private cached?: TokenPair;

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {
    this.box = new SecretBox(config.APP_SECRET);
  }

  get account(): string {
    return this.config.KOMMO_SUBDOMAIN;
  }

  async getAccessToken(forceRefresh = false): Promise<string> {
    if (this.config.KOMMO_LONG_LIVED_TOKEN) return this.config.KOMMO_LONG_LIVED_TOKEN;

    const pair = this.cached ?? (await this.load());
    if (!pair) {
      throw new KommoError('auth', 'Kommo is not connected: exchange an authorization code first');
    }
    if (!forceRefresh && pair.expiresAt - REFRESH_MARGIN_MS > Date.now()) return pair.accessToken;

    this.refreshing ??= this.refresh(pair).finally(() => (this.refreshing = undefined));

    return this.refreshing;
  }

  /** Status for health and the admin API; never returns the tokens themselves. */
  async status(): Promise<{
    mode: 'long_lived' | 'oauth';
    connected: boolean;
    expiresAt?: string;
  }> {
    if (this.config.KOMMO_LONG_LIVED_TOKEN) return { mode: 'long_lived', connected: true };
    const pair = await this.load();

    return {
      mode: 'oauth',
      connected: Boolean(pair),
      expiresAt: pair ? new Date(pair.expiresAt).toISOString() : undefined,
    };
  }

  async exchangeCode(code: string): Promise<void> {
    const pair = await this.requestTokens({ grant_type: 'authorization_code', code });
    await this.store(pair);
    this.logger.log(`account ${this.account}: connected through OAuth`);
  }

  /**
   * One refresh at a time across instances: on PostgreSQL an advisory lock is held while we
   * re-read the pair, call Kommo and write the new pair, so a second instance waits and then
   * finds the fresh token instead of spending the single-use refresh token again.
   */
  private async refresh(seen: TokenPair): Promise<string> {
    const accessToken = await this.database.db.transaction().execute(async (trx) => {
      if (this.database.isPostgres) {
        await sql`select pg_advisory_xact_lock(hashtext(${'kommo-token:' + this.account}))`.execute(
          trx,
        );
      }
      const row = await trx
        .selectFrom('kommo_tokens')
        .selectAll()
        .where('account', '=', this.account)
        .executeTakeFirst();
      if (!row) throw new KommoError('auth', 'Kommo is not connected');

      const current = this.decode(row);
      const someoneRefreshed = current.refreshToken !== seen.refreshToken;
      if (someoneRefreshed && current.expiresAt - REFRESH_MARGIN_MS > Date.now()) {
        this.cached = current;
        return current.accessToken;
      }

      const pair = await this.requestTokens({
        grant_type: 'refresh_token',
        refresh_token: current.refreshToken,
      });
      await trx
        .updateTable('kommo_tokens')
        .set(this.encode(pair))
        .where('account', '=', this.account)
        .execute();
      this.cached = pair;

      return pair.accessToken;
    });
    this.logger.log(`account ${this.account}: access token refreshed`);

    return accessToken;
  }

  private async requestTokens(grant: Record<string, string>): Promise<TokenPair> {
    const { KOMMO_CLIENT_ID, KOMMO_CLIENT_SECRET, KOMMO_REDIRECT_URI } = this.config;
    try {
      const response = await axios.post(
        `${this.config.kommoBaseUrl}/oauth2/access_token`,
        {
          client_id: KOMMO_CLIENT_ID,
          client_secret: KOMMO_CLIENT_SECRET,
          redirect_uri: KOMMO_REDIRECT_URI,
          ...grant,
        },
        { timeout: 15_000 },
      );
      const body = response.data as {
        access_token: string;
        refresh_token: string;
        expires_in: number;
      };

      return {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresAt: Date.now() + body.expires_in * 1000,
      };
    } catch (error) {
      const status = axios.isAxiosError(error) ? error.response?.status : undefined;
      this.logger.error(
        `account ${this.account}: OAuth ${grant.grant_type} failed (${status ?? 'no response'}); ` +
          're-authorise the integration if this persists',
      );
      throw new KommoError(
        status && status < 500 ? 'auth' : 'transient',
        'OAuth token request failed',
        status,
      );
    }
  }

  private async store(pair: TokenPair): Promise<void> {
    const row = { account: this.account, ...this.encode(pair) };
    await this.database.db
      .insertInto('kommo_tokens')
      .values(row)
      .onConflict((conflict) => conflict.column('account').doUpdateSet(this.encode(pair)))
      .execute();
    this.cached = pair;
  }

  private encode(pair: TokenPair) {
    return {
      access_token: this.box.seal(pair.accessToken),
      refresh_token: this.box.seal(pair.refreshToken),
      expires_at: pair.expiresAt,
      updated_at: Date.now(),
    };
  }

  private decode(row: {
    access_token: string;
    refresh_token: string;
    expires_at: number;
  }): TokenPair {
    return {
      accessToken: this.box.open(row.access_token),
      refreshToken: this.box.open(row.refresh_token),
      expiresAt: Number(row.expires_at),
    };
  }

  private async load(): Promise<TokenPair | undefined> {
    const row = await this.database.db
      .selectFrom('kommo_tokens')
      .selectAll()
      .where('account', '=', this.account)
      .executeTakeFirst();
    if (!row) return undefined;
    this.cached = this.decode(row);

    return this.cached;
  }
}
