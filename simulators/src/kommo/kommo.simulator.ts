import * as qs from 'qs';
import { FaultInjector, type FaultKind, type FaultOptions } from '../common/fault-injector';
import { readFixture } from '../common/fixtures';
import { postTo, type PostResult } from '../common/post-to';
import {
  SimulatorServer,
  matchRoute,
  route,
  routeParam,
  type Exchange,
  type RecordedRequest,
  type Route,
} from '../common/simulator-server';
import {
  ACCOUNT_ID,
  DEFAULT_USER_ID,
  SALES_PIPELINE_ID,
  STAGES,
  buildContact,
  buildLead,
  nowSeconds,
} from './kommo.records';
import { seedSampleAccount } from './kommo.seed';
import {
  ValidationFailure,
  fieldFailure,
  highestKey,
  isRecord,
  matchesSearch,
  parseIdFilter,
  parsePositiveInt,
  pick,
  requireArray,
  validationProblem,
  wants,
  type FieldError,
  type ItemErrors,
} from './request-parsing';
import type {
  ContactSeed,
  KommoContact,
  KommoLead,
  KommoNote,
  KommoSimulatorOptions,
  KommoUser,
  KommoWebhook,
  LeadSeed,
  StatusChange,
} from './kommo.types';
import { KommoOAuthGrants, type GrantResult, type TokenPair } from './oauth-grants';
import { encodeStatusWebhook, type WebhookAccount } from './status-webhook';
import { TagRegistry } from './tag-registry';

const HAL_JSON = 'application/hal+json';
const PROBLEM_JSON = 'application/problem+json';
const MAX_PAGE_SIZE = 250;
const DEFAULT_PAGE_SIZE = 50;
const MAX_NOTES_PER_CALL = 50;
const NOTE_TYPES = ['common', 'service_message', 'extended_service_message'];
const NOT_BLANK = 'This value should not be blank.';

const TOO_MANY_REQUESTS_HTML = readFixture('kommo/error-429.html');
const FORBIDDEN_HTML = TOO_MANY_REQUESTS_HTML.replace(/429 Too Many Requests/g, '403 Forbidden');

/**
 * Kommo's API v4 on 127.0.0.1, on the parts the backend uses: leads, contacts, notes, tags,
 * users, pipelines, webhooks and OAuth, with Kommo's quirks kept (204 for an empty result,
 * an HTML 429 beyond the rate limit, single-use refresh tokens, 403 HTML once blocked).
 */
export class KommoSimulator extends SimulatorServer {
  readonly subdomain: string;

  leads = new Map<number, KommoLead>();
  contacts = new Map<number, KommoContact>();
  users = new Map<number, KommoUser>();
  notes: KommoNote[] = [];
  webhooks: KommoWebhook[] = [];
  /** Every refresh_token grant presented, successful or not. */
  refreshCount = 0;

  private readonly rateLimitPerSecond: number;
  private readonly accessToken: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly faults: FaultInjector;
  private readonly oauth: KommoOAuthGrants;
  private readonly tags = new TagRegistry();
  private admittedAt: number[] = [];
  private blocked = false;
  private nextNoteId = 70_000_001;
  private nextWebhookId = 1_000_001;

  private readonly routes: Route[] = [
    route('GET', '/api/v4/leads', (ex) => this.listLeads(ex)),
    route('GET', '/api/v4/leads/pipelines', (ex) => this.listPipelines(ex)),
    route('GET', '/api/v4/leads/pipelines/:id', (ex, id) => this.getPipeline(ex, Number(id))),
    route('GET', '/api/v4/leads/notes', (ex) => this.listNotes(ex)),
    route('POST', '/api/v4/leads/notes', (ex) => this.addNotes(ex)),
    route('GET', '/api/v4/leads/:id/notes', (ex, id) => this.listNotes(ex, Number(id))),
    route('GET', '/api/v4/leads/:id', (ex, id) => this.getLead(ex, Number(id))),
    route('GET', '/api/v4/contacts', (ex) => this.listContacts(ex)),
    route('PATCH', '/api/v4/contacts', (ex) => this.updateContacts(ex)),
    route('GET', '/api/v4/contacts/:id', (ex, id) => this.getContact(ex, Number(id))),
    route('GET', '/api/v4/users', (ex) => this.listUsers(ex)),
    route('GET', '/api/v4/users/:id', (ex, id) => this.getUser(ex, Number(id))),
    route('GET', '/api/v4/account', (ex) => this.getAccount(ex)),
    route('GET', '/api/v4/webhooks', (ex) => this.listWebhooks(ex)),
    route('POST', '/api/v4/webhooks', (ex) => this.addWebhook(ex)),
    route('DELETE', '/api/v4/webhooks', (ex) => this.deleteWebhook(ex)),
  ];

  constructor(options: KommoSimulatorOptions = {}) {
    super();
    this.subdomain = options.subdomain ?? 'acmetravel';
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? 7;
    this.accessToken = options.accessToken ?? 'kommo-test-token';
    this.clientId = options.clientId ?? 'kommo-test-client';
    this.clientSecret = options.clientSecret ?? 'kommo-test-secret';
    this.faults = new FaultInjector(options.faults);
    this.oauth = new KommoOAuthGrants(this.clientId);
    this.tags.register({ id: 90211, name: 'corporate', color: null });

    if (options.seedSamples ?? true) {
      seedSampleAccount(this);
    }
  }

  // ---- seeding and test helpers -------------------------------------------------------------

  /** Stores a lead; the contacts are stored too and linked, the first as main unless told. */
  addLead(seed: LeadSeed, contacts: ContactSeed[] = []): KommoLead {
    const lead = buildLead(seed, this.leads.get(seed.id));
    const mainGiven = contacts.some((contact) => contact.is_main !== undefined);
    const hasMain = lead._embedded.contacts.some((link) => link.is_main);

    contacts.forEach((contact, index) => {
      this.addContact(contact);
      const isMain = contact.is_main ?? (!mainGiven && !hasMain && index === 0);
      const links = lead._embedded.contacts.filter((link) => link.id !== contact.id);
      lead._embedded.contacts = [...links, { id: contact.id, is_main: isMain }];
    });

    for (const tag of lead._embedded.tags) {
      this.tags.register(tag);
    }
    this.leads.set(lead.id, lead);

    return lead;
  }

  addContact(seed: ContactSeed): KommoContact {
    const contact = buildContact(seed, this.contacts.get(seed.id));
    for (const tag of contact._embedded.tags) {
      this.tags.register(tag);
    }
    this.contacts.set(contact.id, contact);

    return contact;
  }

  addUser(user: KommoUser): void {
    this.users.set(user.id, { ...user });
  }

  /** N leads, each with one main contact whose WORK email is lead<id>@example.com. */
  generateLeads(
    count: number,
    options: { firstId?: number; pipelineId?: number; statusId?: number } = {},
  ): number[] {
    const firstId = options.firstId ?? highestKey(this.leads, 5_000_000) + 1;
    let contactId = highestKey(this.contacts, 7_000_000) + 1;
    const ids: number[] = [];

    for (let id = firstId; id < firstId + count; id++) {
      this.addLead(
        {
          id,
          name: `Generated deal ${id}`,
          price: 1000 + (id % 9000),
          pipeline_id: options.pipelineId ?? SALES_PIPELINE_ID,
          status_id: options.statusId ?? STAGES[2].id,
        },
        [{ id: contactId++, name: `Client ${id}`, email: `lead${id}@example.com` }],
      );
      ids.push(id);
    }

    return ids;
  }

  setFaults(faults: FaultOptions): void {
    this.faults.configure(faults);
  }

  /** While blocked, every API call answers 403 with an HTML body, as Kommo does after abuse. */
  blockAccount(blocked: boolean): void {
    this.blocked = blocked;
  }

  setAccessTokenTtl(seconds: number): void {
    this.oauth.accessTokenTtlSeconds = seconds;
  }

  /** An authorization code that POST /oauth2/access_token accepts once. */
  issueOAuthCode(): string {
    return this.oauth.issueCode();
  }

  /** A fresh access/refresh pair, as if a person had just authorised the integration. */
  issueTokenPair(): TokenPair {
    const result = this.oauth.exchangeCode(this.oauth.issueCode());
    if (!result.ok) {
      throw new Error(result.hint);
    }

    return result.tokens;
  }

  /** Marks a registered webhook as switched off by Kommo. */
  disableWebhook(destination: string): boolean {
    const webhook = this.webhooks.find((item) => item.destination === destination);
    if (webhook) {
      webhook.disabled = true;
    }

    return webhook !== undefined;
  }

  /** API calls received (every /api/ request, answered or not). */
  countCalls(filter?: (request: RecordedRequest) => boolean): number {
    const calls = this.requests.filter((request) => request.path.startsWith('/api/'));

    return filter ? calls.filter(filter).length : calls.length;
  }

  /** Forgets requests, notes, the rate window and the refresh counter; seeded data stays. */
  reset(): void {
    this.requests = [];
    this.notes = [];
    this.admittedAt = [];
    this.refreshCount = 0;
  }

  /** The stage-change webhook for these moves, in Kommo's exact form encoding. */
  buildStatusWebhook(changes: StatusChange[], account?: WebhookAccount): string {
    const moves = changes.map((change) => {
      const stored = this.leads.get(change.leadId) ?? buildLead({ id: change.leadId }, undefined);
      const lead = { ...stored, status_id: change.statusId, pipeline_id: change.pipelineId };

      return { lead, oldStatusId: change.oldStatusId };
    });

    return encodeStatusWebhook(moves, account ?? { id: ACCOUNT_ID, subdomain: this.subdomain });
  }

  /** Moves stored leads to their new stages and returns the webhook Kommo would send. */
  moveLeads(changes: StatusChange[], account?: WebhookAccount): string {
    const now = nowSeconds();

    for (const change of changes) {
      const lead = this.leads.get(change.leadId);
      if (lead) {
        lead.status_id = change.statusId;
        lead.pipeline_id = change.pipelineId;
        lead.updated_at = now;
        lead.closed_at = change.statusId === 142 || change.statusId === 143 ? now : null;
      }
    }

    return this.buildStatusWebhook(changes, account);
  }

  /** POSTs a form body the way Kommo delivers account webhooks. */
  postStatusWebhook(targetUrl: string, body: string): Promise<PostResult> {
    return postTo(targetUrl, body, {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'amoCRM-Webhooks/3.0',
    });
  }

  // ---- request pipeline ---------------------------------------------------------------------

  protected handle(exchange: Exchange): void {
    const path = exchange.path.replace(/\/+$/, '');

    if (path === '/oauth2/access_token') {
      return this.grantToken(exchange);
    }

    if (!path.startsWith('/api/')) {
      return this.problem(exchange, 404, 'Not Found');
    }

    if (this.blocked) {
      return this.sendText(exchange, 403, FORBIDDEN_HTML, 'text/html');
    }

    // The 429 comes from the edge, before the token is even read, and changes nothing.
    if (!this.admit()) {
      return this.sendText(exchange, 429, TOO_MANY_REQUESTS_HTML, 'text/html');
    }

    if (!this.isAuthorized(exchange)) {
      return this.problem(exchange, 401, 'Unauthorized');
    }

    const fault = this.faults.draw();
    if (fault) {
      return this.fail(exchange, fault);
    }

    try {
      this.dispatch(exchange, path);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) {
        throw error;
      }

      this.sendJson(exchange, 400, validationProblem(error.items), PROBLEM_JSON);
    }
  }

  private dispatch(exchange: Exchange, path: string): void {
    const found = matchRoute(this.routes, exchange.method, path);

    if (found === 404) {
      return this.problem(exchange, 404, 'Not Found');
    }

    if (found === 405) {
      return this.problem(exchange, 405, 'Method Not Allowed');
    }

    found.handle(exchange, routeParam(found, path));
  }

  /** A rolling one-second window of admitted requests. */
  private admit(): boolean {
    const now = performance.now();
    this.admittedAt = this.admittedAt.filter((at) => now - at < 1000);

    if (this.admittedAt.length >= this.rateLimitPerSecond) {
      return false;
    }

    this.admittedAt.push(now);

    return true;
  }

  private isAuthorized(exchange: Exchange): boolean {
    const header = exchange.req.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();

    if (!token) {
      return false;
    }

    return token === this.accessToken || this.oauth.isValidAccessToken(token);
  }

  private fail(exchange: Exchange, fault: FaultKind): void {
    switch (fault) {
      case '429':
        return this.sendText(exchange, 429, TOO_MANY_REQUESTS_HTML, 'text/html');
      case '500':
        return this.problem(exchange, 500, 'Internal Server Error');
      case 'timeout':
        return this.hang(exchange, this.faults.timeoutMs);
    }
  }

  // ---- leads --------------------------------------------------------------------------------

  private listLeads(exchange: Exchange): void {
    const withContacts = wants(exchange, 'contacts');
    const leads = pick(this.leads, parseIdFilter(exchange.query.filter?.id));

    this.sendPage(exchange, 'leads', leads, (lead) => this.presentLead(lead, withContacts));
  }

  private getLead(exchange: Exchange, id: number): void {
    const lead = this.leads.get(id);
    if (!lead) {
      return this.sendEmpty(exchange, 204);
    }

    this.sendJson(exchange, 200, this.presentLead(lead, wants(exchange, 'contacts')), HAL_JSON);
  }

  private presentLead(lead: KommoLead, withContacts: boolean): object {
    const { _embedded, ...fields } = structuredClone(lead);
    const embedded: Record<string, unknown> = {
      tags: _embedded.tags,
      companies: _embedded.companies,
    };

    if (withContacts) {
      embedded.contacts = _embedded.contacts.map((link) => ({
        id: link.id,
        is_main: link.is_main,
        _links: this.selfLink(`/api/v4/contacts/${link.id}?page=1&limit=250`),
      }));
    }

    return {
      ...fields,
      _links: this.selfLink(`/api/v4/leads/${lead.id}?page=1&limit=250`),
      _embedded: embedded,
    };
  }

  // ---- contacts -----------------------------------------------------------------------------

  private listContacts(exchange: Exchange): void {
    const search = typeof exchange.query.query === 'string' ? exchange.query.query : undefined;
    const withLeads = wants(exchange, 'leads');
    const contacts = pick(this.contacts, parseIdFilter(exchange.query.filter?.id)).filter(
      (contact) => search === undefined || matchesSearch(contact, search),
    );

    this.sendPage(exchange, 'contacts', contacts, (contact) =>
      this.presentContact(contact, withLeads),
    );
  }

  private getContact(exchange: Exchange, id: number): void {
    const contact = this.contacts.get(id);
    if (!contact) {
      return this.sendEmpty(exchange, 204);
    }

    this.sendJson(exchange, 200, this.presentContact(contact, wants(exchange, 'leads')), HAL_JSON);
  }

  private presentContact(contact: KommoContact, withLeads: boolean): object {
    const { _embedded, ...fields } = structuredClone(contact);
    const embedded: Record<string, unknown> = { ..._embedded };

    if (withLeads) {
      embedded.leads = [...this.leads.values()]
        .filter((lead) => lead._embedded.contacts.some((link) => link.id === contact.id))
        .map((lead) => ({ id: lead.id, _links: this.selfLink(`/api/v4/leads/${lead.id}`) }));
    }

    return {
      ...fields,
      _links: this.selfLink(`/api/v4/contacts/${contact.id}`),
      _embedded: embedded,
    };
  }

  /**
   * PATCH /contacts: `tags_to_add` / `tags_to_delete` adjust the tag list, while an item's
   * `_embedded.tags` replaces it whole — the trap the design warns about.
   */
  private updateContacts(exchange: Exchange): void {
    const items = requireArray(exchange, MAX_PAGE_SIZE);
    const problems = items.flatMap((item, index) => this.contactUpdateErrors(item, index));
    if (problems.length) {
      throw new ValidationFailure(problems);
    }

    const now = nowSeconds();
    const updated = items.map((item, index) => {
      const contact = this.contacts.get(item.id) as KommoContact;
      this.applyContactUpdate(contact, item, now);

      return {
        id: contact.id,
        name: contact.name,
        updated_at: contact.updated_at,
        request_id: String(item.request_id ?? index),
        _links: this.selfLink(`/api/v4/contacts/${contact.id}`),
      };
    });

    this.sendJson(
      exchange,
      200,
      { _links: this.selfLink('/api/v4/contacts'), _embedded: { contacts: updated } },
      HAL_JSON,
    );
  }

  private contactUpdateErrors(item: any, index: number): ItemErrors[] {
    const errors: FieldError[] = [];

    if (!isRecord(item) || !this.contacts.has(item.id)) {
      errors.push({ code: 'NotFound', path: 'id', detail: 'Contact not found' });
    } else {
      const tagLists = [item.tags_to_add, item.tags_to_delete, item._embedded?.tags];
      for (const [i, list] of tagLists.entries()) {
        if (list !== undefined && !this.tags.isValidList(list)) {
          const path = ['tags_to_add', 'tags_to_delete', '_embedded.tags'][i];
          errors.push({ code: 'InvalidType', path, detail: 'Tags must be [{name}] or [{id}]' });
        }
      }
    }

    return errors.length ? [{ request_id: String(item?.request_id ?? index), errors }] : [];
  }

  private applyContactUpdate(contact: KommoContact, item: any, now: number): void {
    for (const key of ['name', 'first_name', 'last_name', 'custom_fields_values'] as const) {
      if (item[key] !== undefined) {
        (contact as any)[key] = item[key];
      }
    }

    let tags = contact._embedded.tags;
    if (item._embedded?.tags !== undefined) {
      tags = item._embedded.tags.map((ref: any) => this.tags.resolve(ref));
    }

    for (const ref of item.tags_to_add ?? []) {
      const tag = this.tags.resolve(ref);
      if (!tags.some((existing) => existing.id === tag.id)) {
        tags = [...tags, tag];
      }
    }

    for (const ref of item.tags_to_delete ?? []) {
      const tag = this.tags.resolve(ref);
      tags = tags.filter((existing) => existing.id !== tag.id);
    }

    contact._embedded.tags = tags;
    contact.updated_at = now;
  }

  // ---- notes --------------------------------------------------------------------------------

  private addNotes(exchange: Exchange): void {
    const items = requireArray(exchange, MAX_NOTES_PER_CALL);
    const problems = items.flatMap((item, index) => this.noteErrors(item, index));
    if (problems.length) {
      throw new ValidationFailure(problems);
    }

    const createdAt = nowSeconds();
    const created = items.map((item, index) => {
      const note: KommoNote = {
        id: this.nextNoteId++,
        entity_id: item.entity_id,
        note_type: item.note_type,
        params: structuredClone(item.params),
        created_at: createdAt,
      };
      this.notes.push(note);

      return {
        id: note.id,
        entity_id: note.entity_id,
        request_id: String(item.request_id ?? index),
        _links: this.selfLink(`/api/v4/leads/${note.entity_id}/notes/${note.id}`),
      };
    });

    this.sendJson(
      exchange,
      200,
      { _links: this.selfLink('/api/v4/leads/notes'), _embedded: { notes: created } },
      HAL_JSON,
    );
  }

  private noteErrors(item: any, index: number): ItemErrors[] {
    const errors: FieldError[] = [];

    if (!isRecord(item) || !this.leads.has(item.entity_id)) {
      errors.push({ code: 'NotFound', path: 'entity_id', detail: 'Entity not found' });
    }

    if (!NOTE_TYPES.includes(item?.note_type)) {
      errors.push({
        code: 'NotSupportedChoice',
        path: 'note_type',
        detail: 'The value you selected is not a valid choice.',
      });
    }

    const text = item?.params?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      errors.push({ code: 'NotBlank', path: 'params.text', detail: NOT_BLANK });
    }

    return errors.length ? [{ request_id: String(item?.request_id ?? index), errors }] : [];
  }

  private listNotes(exchange: Exchange, leadId?: number): void {
    const notes = this.notes.filter((note) => leadId === undefined || note.entity_id === leadId);

    this.sendPage(exchange, 'notes', notes, (note) => ({
      ...structuredClone(note),
      _links: this.selfLink(`/api/v4/leads/${note.entity_id}/notes/${note.id}`),
    }));
  }

  // ---- users, pipelines, account ------------------------------------------------------------

  private listUsers(exchange: Exchange): void {
    const users = [...this.users.values()].sort((a, b) => a.id - b.id);

    this.sendPage(exchange, 'users', users, (user) => this.presentUser(user), { withTotals: true });
  }

  private getUser(exchange: Exchange, id: number): void {
    const user = this.users.get(id);
    if (!user) {
      return this.problem(exchange, 404, 'Not Found', 'User not found');
    }

    this.sendJson(exchange, 200, this.presentUser(user), HAL_JSON);
  }

  private presentUser(user: KommoUser): object {
    return { ...user, _links: this.selfLink(`/api/v4/users/${user.id}`) };
  }

  private listPipelines(exchange: Exchange): void {
    this.sendJson(
      exchange,
      200,
      {
        _total_items: 1,
        _links: this.selfLink('/api/v4/leads/pipelines'),
        _embedded: { pipelines: [this.presentPipeline()] },
      },
      HAL_JSON,
    );
  }

  private getPipeline(exchange: Exchange, id: number): void {
    if (id !== SALES_PIPELINE_ID) {
      return this.problem(exchange, 404, 'Not Found', 'Pipeline not found');
    }

    this.sendJson(exchange, 200, this.presentPipeline(), HAL_JSON);
  }

  private presentPipeline(): object {
    const pipelinePath = `/api/v4/leads/pipelines/${SALES_PIPELINE_ID}`;
    const statuses = STAGES.map((stage) => ({
      ...stage,
      pipeline_id: SALES_PIPELINE_ID,
      account_id: ACCOUNT_ID,
      _links: this.selfLink(`${pipelinePath}/statuses/${stage.id}`),
    }));

    return {
      id: SALES_PIPELINE_ID,
      name: 'Sales',
      sort: 1,
      is_main: true,
      is_unsorted_on: true,
      is_archive: false,
      account_id: ACCOUNT_ID,
      _links: this.selfLink(pipelinePath),
      _embedded: { statuses },
    };
  }

  private getAccount(exchange: Exchange): void {
    const account = {
      id: ACCOUNT_ID,
      name: 'Acme Travel',
      subdomain: this.subdomain,
      created_at: 1700000000,
      created_by: DEFAULT_USER_ID,
      current_user_id: DEFAULT_USER_ID,
      country: 'ES',
      currency: 'EUR',
      currency_symbol: '€',
      is_unsorted_on: true,
      _links: this.selfLink('/api/v4/account'),
    };

    this.sendJson(exchange, 200, account, HAL_JSON);
  }

  // ---- webhooks -----------------------------------------------------------------------------

  private listWebhooks(exchange: Exchange): void {
    const destination = exchange.query.filter?.destination;
    const webhooks = this.webhooks.filter(
      (webhook) => destination === undefined || webhook.destination === destination,
    );

    if (!webhooks.length) {
      return this.sendEmpty(exchange, 204);
    }

    const body = {
      _total_items: webhooks.length,
      _links: this.selfLink('/api/v4/webhooks'),
      _embedded: { webhooks: webhooks.map((webhook) => ({ ...webhook })) },
    };

    this.sendJson(exchange, 200, body, HAL_JSON);
  }

  /** Registering the same destination again updates its settings and switches it back on. */
  private addWebhook(exchange: Exchange): void {
    const { destination, settings, sort } = isRecord(exchange.body) ? exchange.body : ({} as any);
    const errors: FieldError[] = [];

    if (typeof destination !== 'string' || !/^https?:\/\/\S+$/.test(destination)) {
      errors.push({ code: 'InvalidUrl', path: 'destination', detail: 'This is not a valid URL.' });
    }

    const validSettings =
      Array.isArray(settings) && settings.length && settings.every((s) => typeof s === 'string');
    if (!validSettings) {
      errors.push({ code: 'NotBlank', path: 'settings', detail: NOT_BLANK });
    }

    if (errors.length) {
      throw new ValidationFailure([{ request_id: '0', errors }]);
    }

    const now = nowSeconds();
    let webhook = this.webhooks.find((item) => item.destination === destination);

    if (webhook) {
      Object.assign(webhook, { settings: [...settings], disabled: false, updated_at: now });
    } else {
      webhook = {
        id: this.nextWebhookId++,
        destination,
        settings: [...settings],
        disabled: false,
        sort: typeof sort === 'number' ? sort : 1,
        created_at: now,
        updated_at: now,
        account_id: ACCOUNT_ID,
        created_by: DEFAULT_USER_ID,
      };
      this.webhooks.push(webhook);
    }

    this.sendJson(exchange, 201, { ...webhook }, HAL_JSON);
  }

  private deleteWebhook(exchange: Exchange): void {
    const destination = isRecord(exchange.body) ? exchange.body.destination : undefined;
    this.webhooks = this.webhooks.filter((webhook) => webhook.destination !== destination);

    this.sendEmpty(exchange, 204);
  }

  // ---- OAuth --------------------------------------------------------------------------------

  private grantToken(exchange: Exchange): void {
    if (exchange.method !== 'POST') {
      return this.problem(exchange, 405, 'Method Not Allowed');
    }

    const body = isRecord(exchange.body) ? exchange.body : {};
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return this.oauthError(exchange, 401, 'Unauthorized', 'Client authentication failed');
    }

    if (typeof body.redirect_uri !== 'string' || body.redirect_uri === '') {
      return this.oauthError(exchange, 400, 'Bad request', 'Check the `redirect_uri` parameter');
    }

    let result: GrantResult;
    if (body.grant_type === 'authorization_code') {
      result = this.oauth.exchangeCode(String(body.code ?? ''));
    } else if (body.grant_type === 'refresh_token') {
      this.refreshCount++;
      result = this.oauth.refresh(String(body.refresh_token ?? ''));
    } else {
      return this.oauthError(exchange, 400, 'Bad request', 'unsupported_grant_type');
    }

    if (!result.ok) {
      return this.oauthError(exchange, 400, 'Bad request', result.hint);
    }

    this.sendJson(exchange, 200, result.tokens);
  }

  private oauthError(exchange: Exchange, status: number, title: string, hint: string): void {
    const detail =
      status === 401
        ? 'Client authentication failed'
        : 'The provided authorization grant (e.g., authorization code, resource owner ' +
          'credentials) or refresh token is invalid, expired, revoked, does not match the ' +
          'redirection URI used in the authorization request, or was issued to another client.';

    this.sendJson(
      exchange,
      status,
      { hint, title, type: `https://httpstatus.es/${status}`, status, detail },
      PROBLEM_JSON,
    );
  }

  // ---- shared response shapes ---------------------------------------------------------------

  /** Kommo's paged list: `_page`, `_links.next` while more remain, and 204 when nothing. */
  private sendPage<T>(
    exchange: Exchange,
    key: string,
    items: T[],
    present: (item: T) => object,
    options: { withTotals?: boolean } = {},
  ): void {
    const limit = parsePositiveInt(exchange.query.limit, DEFAULT_PAGE_SIZE, 'limit');
    if (limit > MAX_PAGE_SIZE) {
      throw fieldFailure('Range', 'limit', `This value should be ${MAX_PAGE_SIZE} or less.`);
    }

    const page = parsePositiveInt(exchange.query.page, 1, 'page');
    const slice = items.slice((page - 1) * limit, page * limit);
    if (!slice.length) {
      return this.sendEmpty(exchange, 204);
    }

    const pageHref = (n: number) => {
      const query = qs.stringify(
        { ...exchange.query, page: n, limit },
        { encodeValuesOnly: true, arrayFormat: 'brackets' },
      );

      return { href: `${this.url}${exchange.path}?${query}` };
    };

    const links: Record<string, { href: string }> = { self: pageHref(page) };
    if (page * limit < items.length) {
      links.next = pageHref(page + 1);
    }
    if (page > 1) {
      links.prev = pageHref(page - 1);
    }

    const totals = options.withTotals
      ? { _total_items: items.length, _page_count: Math.ceil(items.length / limit) }
      : {};

    this.sendJson(
      exchange,
      200,
      { ...totals, _page: page, _links: links, _embedded: { [key]: slice.map(present) } },
      HAL_JSON,
    );
  }

  private problem(exchange: Exchange, status: number, title: string, detail?: string): void {
    this.sendJson(
      exchange,
      status,
      { title, type: `https://httpstatus.es/${status}`, status, detail: detail ?? title },
      PROBLEM_JSON,
    );
  }

  /** Links point at this simulator, so a client that follows `_links.next` stays local. */
  private selfLink(path: string): { self: { href: string } } {
    return { self: { href: `${this.url}${path}` } };
  }
}
