import { Injectable, Logger } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import Bottleneck from 'bottleneck';
import { AppConfig } from '../config/app-config';
import { chunk } from '../common/time';
import { MetricsService } from '../health/metrics.service';
import { KommoAuthService } from './kommo-auth.service';
import { classifyKommoResponse, KommoError } from './kommo.errors';
import {
  KommoContact,
  KommoLead,
  KommoPipelineRaw,
  KommoUser,
  KommoWebhookInfo,
  NoteInput,
} from './kommo.types';

/** Kommo's page size for leads and contacts. */
export const KOMMO_PAGE = 250;
/** We keep note batches at this size; Kommo rejects very large arrays. */
export const KOMMO_NOTES_PER_CALL = 50;
/** After a 403 block we stay away this long before trying again. */
const BLOCK_COOL_DOWN_MS = 15 * 60_000;
const USERS_TTL_MS = 30 * 60_000;

interface RetryState {
  tokenRetried?: boolean;
}

/**
 * The only code that speaks to Kommo's API: base URL, bearer token, one rate limiter per
 * account, retries with backoff for 429/5xx/timeouts, and Kommo's quirks (204 for empty,
 * HTML errors) turned into KommoError.
 */
@Injectable()
export class KommoClient {
  private readonly logger = new Logger(KommoClient.name);
  private readonly http: AxiosInstance;
  private readonly limiter: Bottleneck;
  private blockedUntil = 0;
  private users?: { at: number; byId: Map<number, KommoUser> };

  constructor(
    private readonly config: AppConfig,
    private readonly auth: KommoAuthService,
    private readonly metrics: MetricsService,
  ) {
    // Evenly spaced calls never put more than the limit into any rolling second.
    // TODO(shared-limit): the limiter and the 403 block live in this process; with several
    // instances, operators divide KOMMO_RATE_LIMIT between them (docs/operations.md).
    this.limiter = new Bottleneck({ minTime: Math.ceil(1000 / config.KOMMO_RATE_LIMIT) + 5 });
    this.http = axios.create({
      baseURL: `${config.kommoBaseUrl}/api/v4`,
      timeout: config.KOMMO_TIMEOUT_MS,
      validateStatus: (status) => status < 300,
    });
    this.http.interceptors.request.use((request) => this.beforeRequest(request));
    axiosRetry(this.http, {
      retries: 5,
      retryDelay: (count, error) => exponentialDelay(count, error, 500),
      shouldResetTimeout: true,
      retryCondition: (error) => this.isRetryable(error),
      onRetry: (count, error, request) => {
        this.metrics.kommoRetries.inc({ status: String(error.response?.status ?? 'network') });
        this.logger.warn(
          `retry ${count} of ${request.method?.toUpperCase()} ${request.url}: ${error.message}`,
        );
      },
    });
  }

  get account(): string {
    return this.config.KOMMO_SUBDOMAIN;
  }

  /** While blocked we make no calls at all; work stays queued. */
  isBlocked(): boolean {
    return this.blockedUntil > Date.now();
  }

  blockedUntilIso(): string | null {
    return this.isBlocked() ? new Date(this.blockedUntil).toISOString() : null;
  }

  async getLeadsWithContacts(ids: number[]): Promise<KommoLead[]> {
    const leads: KommoLead[] = [];
    for (const page of chunk(unique(ids), KOMMO_PAGE)) {
      const body = await this.get<{ _embedded: { leads: KommoLead[] } }>('/leads', {
        'filter[id]': page,
        with: 'contacts',
        limit: KOMMO_PAGE,
      });
      leads.push(...(body?._embedded.leads ?? []));
    }

    return leads;
  }

  async getContacts(ids: number[]): Promise<KommoContact[]> {
    const contacts: KommoContact[] = [];
    for (const page of chunk(unique(ids), KOMMO_PAGE)) {
      const body = await this.get<{ _embedded: { contacts: KommoContact[] } }>('/contacts', {
        'filter[id]': page,
        limit: KOMMO_PAGE,
      });
      contacts.push(...(body?._embedded.contacts ?? []));
    }

    return contacts;
  }

  /** Contacts whose fields match the text, with their leads' ids. */
  async findContacts(query: string): Promise<KommoContact[]> {
    const body = await this.get<{ _embedded: { contacts: KommoContact[] } }>('/contacts', {
      query,
      with: 'leads',
      limit: 50,
    });

    return body?._embedded.contacts ?? [];
  }

  async getUser(id: number): Promise<KommoUser | undefined> {
    if (!this.users || Date.now() - this.users.at > USERS_TTL_MS) {
      const body = await this.get<{ _embedded: { users: KommoUser[] } }>('/users', { limit: 250 });
      const byId = new Map((body?._embedded.users ?? []).map((user) => [user.id, user]));
      this.users = { at: Date.now(), byId };
    }

    return this.users.byId.get(id);
  }

  async getPipelines(): Promise<KommoPipelineRaw[]> {
    const body = await this.get<{ _embedded: { pipelines: KommoPipelineRaw[] } }>(
      '/leads/pipelines',
    );

    return body?._embedded.pipelines ?? [];
  }

  async getAccount(): Promise<{ id: number; subdomain: string; name: string }> {
    const body = await this.get<{ id: number; subdomain: string; name: string }>('/account');
    if (!body) throw new KommoError('permanent', 'Kommo returned no account');

    return body;
  }

  /** Adds notes to leads, at most 50 a call. Returns the created note ids in input order. */
  async addNotes(notes: NoteInput[]): Promise<number[]> {
    const ids: number[] = [];
    for (const batch of chunk(notes, KOMMO_NOTES_PER_CALL)) {
      const payload = batch.map((note) => ({
        entity_id: note.leadId,
        note_type: note.type ?? 'common',
        params:
          note.type === 'service_message' || note.type === 'extended_service_message'
            ? { service: 'Postmark', text: note.text }
            : { text: note.text },
      }));
      const body = await this.send<{ _embedded: { notes: Array<{ id: number }> } }>(
        'post',
        '/leads/notes',
        payload,
      );
      ids.push(...(body?._embedded.notes ?? []).map((note) => note.id));
    }

    return ids;
  }

  /** Adds tags without touching the contact's other tags (tags_to_add, never _embedded.tags). */
  async addContactTags(items: Array<{ contactId: number; tags: string[] }>): Promise<void> {
    for (const batch of chunk(items, KOMMO_NOTES_PER_CALL)) {
      await this.send(
        'patch',
        '/contacts',
        batch.map((item) => ({
          id: item.contactId,
          tags_to_add: item.tags.map((name) => ({ name })),
        })),
      );
    }
  }

  async listWebhooks(): Promise<KommoWebhookInfo[]> {
    const body = await this.get<{ _embedded: { webhooks: KommoWebhookInfo[] } }>('/webhooks');

    return body?._embedded.webhooks ?? [];
  }

  async registerWebhook(destination: string, settings: string[]): Promise<void> {
    await this.send('post', '/webhooks', { destination, settings });
  }

  private async get<T>(path: string, params?: Record<string, unknown>): Promise<T | undefined> {
    return this.call<T>({ method: 'get', url: path, params });
  }

  private async send<T>(
    method: 'post' | 'patch',
    path: string,
    data: unknown,
  ): Promise<T | undefined> {
    return this.call<T>({ method, url: path, data });
  }

  private async call<T>(request: {
    method: string;
    url: string;
    params?: Record<string, unknown>;
    data?: unknown;
  }): Promise<T | undefined> {
    if (this.isBlocked()) {
      throw new KommoError('blocked', `Kommo account ${this.account} is blocked; calls paused`);
    }

    const state: RetryState = {};
    for (;;) {
      try {
        const response = await this.http.request<T>({
          ...request,
          paramsSerializer: { indexes: false },
        });
        this.metrics.kommoCalls.inc({ status: String(response.status) });

        // Kommo answers an empty list with 204 and no body.
        return response.status === 204 ? undefined : response.data;
      } catch (error) {
        const failure = this.toKommoError(error);
        if (failure.kind === 'auth' && this.config.usesOAuth && !state.tokenRetried) {
          state.tokenRetried = true;
          await this.auth.getAccessToken(true);
          continue;
        }
        if (failure.kind === 'blocked') this.block();
        throw failure;
      }
    }
  }

  private async beforeRequest(
    request: InternalAxiosRequestConfig,
  ): Promise<InternalAxiosRequestConfig> {
    if (this.isBlocked())
      throw new KommoError('blocked', `Kommo account ${this.account} is blocked`);
    const token = await this.auth.getAccessToken();
    await this.limiter.schedule(() => Promise.resolve());
    request.headers.set('Authorization', `Bearer ${token}`);

    return request;
  }

  private isRetryable(error: AxiosError): boolean {
    const status = error.response?.status;
    if (status !== undefined) this.metrics.kommoCalls.inc({ status: String(status) });
    if (status === 429) this.metrics.kommo429.inc();
    if (status === undefined)
      return error.code !== 'ERR_CANCELED' && !(error instanceof KommoError);

    return status === 429 || status >= 500;
  }

  private toKommoError(error: unknown): KommoError {
    if (error instanceof KommoError) return error;
    if (axios.isAxiosError(error) && error.response) {
      const contentType = String(error.response.headers['content-type'] ?? '');

      return classifyKommoResponse(error.response.status, error.response.data, contentType);
    }
    const message = error instanceof Error ? error.message : String(error);

    return new KommoError('transient', `Kommo unreachable: ${message}`);
  }

  private block(): void {
    this.blockedUntil = Date.now() + BLOCK_COOL_DOWN_MS;
    this.logger.error(
      `account ${this.account}: Kommo answered 403 (blocked). All Kommo calls are paused until ` +
        `${new Date(this.blockedUntil).toISOString()}; work stays queued. Check the account's ` +
        'API usage and contact Kommo support if it persists.',
    );
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}
