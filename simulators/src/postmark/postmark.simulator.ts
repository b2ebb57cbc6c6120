import { randomUUID } from 'node:crypto';
import { FaultInjector, type FaultKind } from '../common/fault-injector';
import { basicAuthHeader, postTo, type PostResult } from '../common/post-to';
import {
  SimulatorServer,
  matchRoute,
  route,
  routeParam,
  type Exchange,
  type RecordedRequest,
  type Route,
} from '../common/simulator-server';
import { parseAddressList } from './email-addresses';
import { buildEventPayload, postmarkTimestamp, toMessageEvent } from './event-payloads';
import { findIssues, hasContentPlaceholder, renderTemplate, suggestModel } from './mustachio';
import { SERVER_ID, buildTemplate, sampleTemplates, templatesFromDir } from './postmark.seed';
import type {
  AutoEvents,
  BasicAuth,
  EventDelivery,
  MessageEvent,
  PostmarkError,
  PostmarkFaultOptions,
  PostmarkSimulatorOptions,
  PostmarkTemplate,
  PostmarkWebhook,
  SentEmail,
  TemplateSeed,
} from './postmark.types';
import { checkTemplateMessage, type SendRules } from './template-send';

const MAX_BATCH_SIZE = 500;
const MAX_PAGE_SIZE = 500;
const WEBHOOK_TRIGGERS: Record<string, Record<string, boolean>> = {
  Open: { Enabled: false, PostFirstOpenOnly: false },
  Click: { Enabled: false },
  Delivery: { Enabled: false },
  Bounce: { Enabled: false, IncludeContent: false },
  SpamComplaint: { Enabled: false, IncludeContent: false },
  SubscriptionChange: { Enabled: false },
};

type SendResult =
  | { To: string; SubmittedAt: string; MessageID: string; ErrorCode: 0; Message: 'OK' }
  | PostmarkError;

/**
 * Postmark's server API on 127.0.0.1, on the parts the backend uses: template sends (single and
 * batch), templates and their validation, outbound message search, server settings and
 * webhooks. It renders every accepted email and can post the events Postmark would send back.
 */
export class PostmarkSimulator extends SimulatorServer {
  sent: SentEmail[] = [];
  inactiveRecipients = new Set<string>();
  templates = new Map<string, PostmarkTemplate>();
  autoEvents?: AutoEvents;
  /** Every event the simulator posted by itself (autoEvents) and how the target answered. */
  eventDeliveries: EventDelivery[] = [];
  webhooks: PostmarkWebhook[] = [];
  serverSettings: Record<string, unknown>;

  private readonly serverToken: string;
  private readonly streams: Set<string>;
  private readonly faults = new FaultInjector();
  private ambiguousTimeouts = false;
  private readonly messageEvents = new Map<string, MessageEvent[]>();
  private readonly pendingEvents = new Set<Promise<void>>();
  private queuedIds: string[] = [];
  private nextTemplateId = 39_001_200;
  private nextWebhookId = 5_500_001;

  private readonly routes: Route[] = [
    route('POST', '/email/withTemplate', (ex) => this.sendOne(ex)),
    route('POST', '/email/batchWithTemplates', (ex) => this.sendBatch(ex)),
    route('GET', '/templates', (ex) => this.listTemplates(ex)),
    route('POST', '/templates/validate', (ex) => this.validateTemplate(ex)),
    route('POST', '/templates', (ex) => this.createTemplate(ex)),
    route('GET', '/templates/:idOrAlias', (ex, idOrAlias) => this.getTemplate(ex, idOrAlias)),
    route('PUT', '/templates/:idOrAlias', (ex, idOrAlias) => this.editTemplate(ex, idOrAlias)),
    route('DELETE', '/templates/:idOrAlias', (ex, idOrAlias) => this.deleteTemplate(ex, idOrAlias)),
    route('GET', '/messages/outbound', (ex) => this.searchMessages(ex)),
    // The API documents `/details`; the official Node client asks without it.
    route('GET', '/messages/outbound/:messageId/details', (ex, id) => this.messageDetails(ex, id)),
    route('GET', '/messages/outbound/:messageId', (ex, id) => this.messageDetails(ex, id)),
    route('GET', '/server', (ex) => this.sendServer(ex)),
    route('PUT', '/server', (ex) => this.editServer(ex)),
    route('GET', '/webhooks', (ex) => this.listWebhooks(ex)),
    route('POST', '/webhooks', (ex) => this.addWebhook(ex)),
    route('GET', '/webhooks/:id', (ex, id) => this.getWebhook(ex, id)),
    route('PUT', '/webhooks/:id', (ex, id) => this.editWebhook(ex, id)),
    route('DELETE', '/webhooks/:id', (ex, id) => this.deleteWebhook(ex, id)),
  ];

  constructor(options: PostmarkSimulatorOptions = {}) {
    super();
    this.serverToken = options.serverToken ?? 'postmark-test-token';
    this.streams = new Set(['outbound', 'broadcast', ...(options.messageStreams ?? [])]);
    this.setFaults(options.faults ?? { rate: 0 });
    this.serverSettings = defaultServerSettings(this.serverToken);

    for (const template of sampleTemplates()) {
      this.addTemplate(template);
    }

    if (options.templatesDir) {
      for (const template of templatesFromDir(options.templatesDir)) {
        this.addTemplate(template);
      }
    }
  }

  // ---- test helpers -------------------------------------------------------------------------

  /** Adds or replaces a template (matched by Alias, else by TemplateId). */
  addTemplate(seed: TemplateSeed): PostmarkTemplate {
    const existing = this.findTemplate(seed.Alias ?? seed.TemplateId ?? '');
    const template = buildTemplate({ ...existing, ...seed }, this.nextTemplateId++);

    if (existing) {
      this.templates.delete(templateKey(existing));
    }
    this.templates.set(templateKey(template), template);

    return template;
  }

  /** The next accepted sends get these MessageIDs, in order. */
  queueMessageIds(ids: string[]): void {
    this.queuedIds.push(...ids);
  }

  setFaults(faults: PostmarkFaultOptions): void {
    this.faults.configure(faults);
    this.ambiguousTimeouts = faults.ambiguousTimeouts ?? false;
  }

  addMessageEvent(messageId: string, event: MessageEvent): void {
    const events = this.messageEvents.get(messageId) ?? [];
    events.push(event);
    this.messageEvents.set(messageId, events);
  }

  /** POSTs JSON the way Postmark delivers an inbound email. */
  postInbound(targetUrl: string, payload: object | string, auth?: BasicAuth): Promise<PostResult> {
    return this.postWebhook(targetUrl, payload, auth);
  }

  /** POSTs one event webhook; traceId becomes X-PM-Webhook-Trace-Id. */
  postEvent(
    targetUrl: string,
    payload: object | string,
    auth?: BasicAuth,
    traceId?: string,
  ): Promise<PostResult> {
    return this.postWebhook(targetUrl, payload, auth, traceId);
  }

  /** Resolves once every event scheduled by autoEvents so far has been posted. */
  async settle(): Promise<void> {
    while (this.pendingEvents.size) {
      await Promise.all([...this.pendingEvents]);
    }
  }

  countCalls(filter?: (request: RecordedRequest) => boolean): number {
    return filter ? this.requests.filter(filter).length : this.requests.length;
  }

  /** Forgets requests, sent emails, their events and queued ids; templates and settings stay. */
  reset(): void {
    this.requests = [];
    this.sent = [];
    this.eventDeliveries = [];
    this.messageEvents.clear();
    this.queuedIds = [];
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.settle();
  }

  // ---- request pipeline ---------------------------------------------------------------------

  protected handle(exchange: Exchange): void {
    const token = exchange.req.headers['x-postmark-server-token'];

    if (token === undefined || token === '') {
      return this.sendJson(exchange, 401, {
        ErrorCode: 10,
        Message:
          'No Account or Server API tokens were supplied in the HTTP headers. Please add a ' +
          'header for either X-Postmark-Server-Token or X-Postmark-Account-Token.',
      });
    }

    if (token !== this.serverToken) {
      return this.sendJson(exchange, 401, {
        ErrorCode: 10,
        Message: 'Request does not contain a valid Server token.',
      });
    }

    const path = exchange.path.replace(/\/+$/, '');
    const found = matchRoute(this.routes, exchange.method, path);

    if (typeof found === 'number') {
      return this.sendJson(exchange, found, { ErrorCode: 0, Message: 'No such endpoint.' });
    }

    if (['POST', 'PUT'].includes(exchange.method)) {
      if (!speaksJson(exchange)) {
        return this.sendError(exchange, 409, 'JSON required: send and accept application/json.');
      }

      if (!isRecord(exchange.body)) {
        return this.sendError(exchange, 402, 'Received invalid JSON input.');
      }
    }

    found.handle(exchange, routeParam(found, path));
  }

  private sendError(exchange: Exchange, errorCode: number, message: string, status = 422): void {
    this.sendJson(exchange, status, { ErrorCode: errorCode, Message: message });
  }

  /**
   * Draws a fault for a send. Most faults answer before anything is stored ('answered'); with
   * ambiguousTimeouts a 'timeout' lets the send be accepted and then never answers, which is
   * what turns a blind retry into a second email.
   */
  private sendFault(exchange: Exchange): 'none' | 'answered' | 'accept-then-hang' {
    const fault = this.faults.draw();

    if (!fault) {
      return 'none';
    }

    if (fault === 'timeout' && this.ambiguousTimeouts) {
      return 'accept-then-hang';
    }

    this.fail(exchange, fault);

    return 'answered';
  }

  private fail(exchange: Exchange, fault: FaultKind): void {
    switch (fault) {
      case '429':
        return this.sendJson(exchange, 429, { Message: 'Rate limit exceeded, slow down.' });
      case '500':
        return this.sendJson(exchange, 500, { Message: 'Internal server error.' });
      case 'timeout':
        return this.hang(exchange, this.faults.timeoutMs);
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  private sendOne(exchange: Exchange): void {
    const fault = this.sendFault(exchange);
    if (fault === 'answered') {
      return;
    }

    const result = this.acceptMessage(exchange.body, this.sendRules());
    if (fault === 'accept-then-hang') {
      return this.hang(exchange, this.faults.timeoutMs);
    }

    this.sendJson(exchange, result.ErrorCode === 0 ? 200 : 422, result);
  }

  private sendBatch(exchange: Exchange): void {
    const messages = exchange.body.Messages;

    if (!Array.isArray(messages)) {
      return this.sendError(exchange, 403, "The 'Messages' field must be a list of messages.");
    }

    if (messages.length > MAX_BATCH_SIZE) {
      return this.sendError(
        exchange,
        410,
        `Too many batch messages (${messages.length}). The maximum is ${MAX_BATCH_SIZE}.`,
      );
    }

    const fault = this.sendFault(exchange);
    if (fault === 'answered') {
      return;
    }

    const rules = this.sendRules();
    const results = messages.map((message) => this.acceptMessage(message, rules));
    if (fault === 'accept-then-hang') {
      return this.hang(exchange, this.faults.timeoutMs);
    }

    this.sendJson(exchange, 200, results);
  }

  private acceptMessage(input: unknown, rules: SendRules): SendResult {
    const checked = checkTemplateMessage(input, rules);
    if (!checked.ok) {
      return checked.error;
    }

    const email: SentEmail = {
      MessageID: this.queuedIds.shift() ?? randomUUID(),
      SubmittedAt: postmarkTimestamp(new Date()),
      ...checked.draft,
    };
    this.sent.push(email);
    this.messageEvents.set(email.MessageID, []);
    this.scheduleAutoEvents(email);

    return {
      To: email.To,
      SubmittedAt: email.SubmittedAt,
      MessageID: email.MessageID,
      ErrorCode: 0,
      Message: 'OK',
    };
  }

  private sendRules(): SendRules {
    const inactive = new Set([...this.inactiveRecipients].map((email) => email.toLowerCase()));

    return {
      findTemplate: (idOrAlias) => this.findTemplate(idOrAlias),
      streams: this.streams,
      inactiveRecipients: inactive,
    };
  }

  // ---- templates ----------------------------------------------------------------------------

  private findTemplate(idOrAlias: string | number): PostmarkTemplate | undefined {
    const text = String(idOrAlias);
    if (/^\d+$/.test(text)) {
      return [...this.templates.values()].find((template) => template.TemplateId === Number(text));
    }

    return this.templates.get(text);
  }

  private listTemplates(exchange: Exchange): void {
    const paging = this.paging(exchange);
    if (!paging) {
      return;
    }

    const type = String(exchange.query.TemplateType ?? exchange.query.templateType ?? 'All');
    const layout = exchange.query.LayoutTemplate ?? exchange.query.layoutTemplate;
    const templates = [...this.templates.values()]
      .filter((template) => type === 'All' || template.TemplateType === type)
      .filter((template) => layout === undefined || template.LayoutTemplate === layout);

    const page = templates.slice(paging.offset, paging.offset + paging.count);

    this.sendJson(exchange, 200, {
      TotalCount: templates.length,
      Templates: page.map((template) => templateSummary(template)),
    });
  }

  private getTemplate(exchange: Exchange, idOrAlias: string): void {
    const template = this.findTemplate(idOrAlias);
    if (!template) {
      return this.templateNotFound(exchange, idOrAlias);
    }

    this.sendJson(exchange, 200, template);
  }

  private createTemplate(exchange: Exchange): void {
    const body = exchange.body as TemplateSeed;

    if (typeof body.Name !== 'string' || body.Name.trim() === '') {
      return this.sendError(exchange, 1120, "The 'Name' field is required.");
    }

    if (body.Alias && this.findTemplate(body.Alias)) {
      return this.sendError(exchange, 1121, `A template with alias '${body.Alias}' exists.`);
    }

    const { TemplateId: _ignored, ...fields } = body;
    const template = this.addTemplate({ ...fields, TemplateId: this.nextTemplateId++ });

    this.sendJson(exchange, 200, templateSummary(template));
  }

  private editTemplate(exchange: Exchange, idOrAlias: string): void {
    const template = this.findTemplate(idOrAlias);
    if (!template) {
      return this.templateNotFound(exchange, idOrAlias);
    }

    const { TemplateId: _ignored, ...changes } = exchange.body as TemplateSeed;
    this.templates.delete(templateKey(template));
    const edited = this.addTemplate({ ...template, ...changes });

    this.sendJson(exchange, 200, templateSummary(edited));
  }

  private deleteTemplate(exchange: Exchange, idOrAlias: string): void {
    const template = this.findTemplate(idOrAlias);
    if (!template) {
      return this.templateNotFound(exchange, idOrAlias);
    }

    this.templates.delete(templateKey(template));

    this.sendJson(exchange, 200, { ErrorCode: 0, Message: `Template ${idOrAlias} removed.` });
  }

  private templateNotFound(exchange: Exchange, idOrAlias: string): void {
    const field = /^\d+$/.test(idOrAlias) ? 'TemplateId' : 'TemplateAlias';
    const message = `The '${field}' associated with this request is not valid or was not found.`;

    this.sendError(exchange, 1101, message, 404);
  }

  /**
   * Renders without sending. Missing variables render empty and still count as valid;
   * SuggestedTemplateModel lists every variable the content (and its layout) uses.
   */
  private validateTemplate(exchange: Exchange): void {
    const body = exchange.body as Record<string, any>;
    const model = isRecord(body.TestRenderModel) ? body.TestRenderModel : {};
    const isLayout = body.TemplateType === 'Layout';

    if (typeof body.HtmlBody !== 'string' && typeof body.TextBody !== 'string') {
      return this.sendError(exchange, 300, "Provide 'HtmlBody', 'TextBody' or both.");
    }

    const layout = body.LayoutTemplate ? this.findTemplate(body.LayoutTemplate) : undefined;
    if (body.LayoutTemplate && layout?.TemplateType !== 'Layout') {
      return this.sendError(
        exchange,
        1101,
        "The 'LayoutTemplate' associated with this request is not valid or was not found.",
      );
    }

    const parts = [
      { field: 'HtmlBody', kind: 'html' as const, layoutBody: layout?.HtmlBody },
      { field: 'TextBody', kind: 'text' as const, layoutBody: layout?.TextBody },
      { field: 'Subject', kind: 'text' as const, layoutBody: undefined },
    ];
    const result: Record<string, unknown> = { AllContentIsValid: true };
    const sources: string[] = [];

    for (const { field, kind, layoutBody } of parts) {
      const source = body[field];
      if (typeof source !== 'string') {
        continue;
      }

      const issues = findIssues(source);
      if (isLayout && field !== 'Subject' && !hasContentPlaceholder(source)) {
        issues.push({
          Message: 'A layout must contain the {{{@content}}} placeholder.',
          Line: 1,
          CharacterPosition: 0,
        });
      }

      if (issues.length) {
        result.AllContentIsValid = false;
        result[field] = { ContentIsValid: false, ValidationErrors: issues };
        continue;
      }

      const renderModel = isLayout ? { ...model, '@content': '' } : model;
      result[field] = {
        ContentIsValid: true,
        ValidationErrors: [],
        RenderedContent: renderTemplate(source, renderModel, kind, layoutBody ?? undefined),
      };
      sources.push(source, ...(layoutBody ? [layoutBody] : []));
    }

    result.SuggestedTemplateModel = suggestModel(sources);

    this.sendJson(exchange, 200, result);
  }

  // ---- outbound messages --------------------------------------------------------------------

  private searchMessages(exchange: Exchange): void {
    const paging = this.paging(exchange);
    if (!paging) {
      return;
    }

    const query = exchange.query;
    const metadataFilters = Object.entries(query)
      .filter(([key]) => key.startsWith('metadata_'))
      .map(([key, value]) => [key.slice('metadata_'.length), String(value)]);

    const found = [...this.sent].reverse().filter((email) => {
      const recipient = typeof query.recipient === 'string' ? query.recipient.toLowerCase() : '';

      return (
        (!recipient || email.recipients.some((address) => address.toLowerCase() === recipient)) &&
        (query.tag === undefined || email.Tag === query.tag) &&
        (query.messagestream === undefined || email.MessageStream === query.messagestream) &&
        (query.status === undefined || query.status === 'sent') &&
        metadataFilters.every(([key, value]) => email.Metadata?.[key] === value)
      );
    });

    const page = found.slice(paging.offset, paging.offset + paging.count);

    this.sendJson(exchange, 200, {
      TotalCount: found.length,
      Messages: page.map((email) => summarizeMessage(email)),
    });
  }

  private messageDetails(exchange: Exchange, messageId: string): void {
    const email = this.sent.find((candidate) => candidate.MessageID === messageId);
    if (!email) {
      return this.sendError(exchange, 701, `This message was not found: '${messageId}'.`);
    }

    this.sendJson(exchange, 200, {
      ...summarizeMessage(email),
      TextBody: email.textBody,
      HtmlBody: email.htmlBody,
      Body: '',
      MessageEvents: [...(this.messageEvents.get(messageId) ?? [])],
    });
  }

  /** Postmark's count/offset paging; answers 422 and returns undefined when out of range. */
  private paging(exchange: Exchange): { count: number; offset: number } | undefined {
    const count = Number(exchange.query.count ?? 100);
    const offset = Number(exchange.query.offset ?? 0);

    if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE_SIZE) {
      const message = `The 'count' parameter must be between 1 and ${MAX_PAGE_SIZE}.`;
      this.sendError(exchange, 300, message);

      return undefined;
    }

    if (!Number.isInteger(offset) || offset < 0) {
      this.sendError(exchange, 300, "The 'offset' parameter must be zero or more.");

      return undefined;
    }

    return { count, offset };
  }

  // ---- server and webhooks ------------------------------------------------------------------

  private sendServer(exchange: Exchange): void {
    this.sendJson(exchange, 200, this.serverSettings);
  }

  /** Only settings the server already has can change; ids, tokens and addresses are fixed. */
  private editServer(exchange: Exchange): void {
    const fixed = ['ID', 'ApiTokens', 'ServerLink', 'InboundAddress', 'InboundHash'];

    for (const [key, value] of Object.entries(exchange.body as Record<string, unknown>)) {
      if (key in this.serverSettings && !fixed.includes(key)) {
        this.serverSettings[key] = value;
      }
    }

    this.sendJson(exchange, 200, this.serverSettings);
  }

  private listWebhooks(exchange: Exchange): void {
    const stream = exchange.query.MessageStream;
    const webhooks = this.webhooks.filter(
      (webhook) => stream === undefined || webhook.MessageStream === stream,
    );

    this.sendJson(exchange, 200, { Webhooks: webhooks });
  }

  private addWebhook(exchange: Exchange): void {
    const body = exchange.body as Record<string, any>;

    if (typeof body.Url !== 'string' || !/^https?:\/\/\S+$/.test(body.Url)) {
      return this.sendError(exchange, 300, "The 'Url' field must be an http(s) URL.");
    }

    const stream = body.MessageStream ?? 'outbound';
    if (!this.streams.has(stream)) {
      return this.sendError(exchange, 1235, `The message stream '${stream}' was not found.`);
    }

    const webhook: PostmarkWebhook = {
      ID: this.nextWebhookId++,
      Url: body.Url,
      MessageStream: stream,
      ...(body.HttpAuth ? { HttpAuth: body.HttpAuth } : {}),
      HttpHeaders: Array.isArray(body.HttpHeaders) ? body.HttpHeaders : [],
      Triggers: mergeTriggers(structuredClone(WEBHOOK_TRIGGERS), body.Triggers),
    };
    this.webhooks.push(webhook);

    this.sendJson(exchange, 200, webhook);
  }

  private getWebhook(exchange: Exchange, id: string): void {
    const webhook = this.webhooks.find((candidate) => candidate.ID === Number(id));
    if (!webhook) {
      return this.webhookNotFound(exchange, id);
    }

    this.sendJson(exchange, 200, webhook);
  }

  private editWebhook(exchange: Exchange, id: string): void {
    const webhook = this.webhooks.find((candidate) => candidate.ID === Number(id));
    if (!webhook) {
      return this.webhookNotFound(exchange, id);
    }

    const body = exchange.body as Record<string, any>;
    if (typeof body.Url === 'string') {
      webhook.Url = body.Url;
    }
    if (body.HttpAuth) {
      webhook.HttpAuth = body.HttpAuth;
    }
    if (Array.isArray(body.HttpHeaders)) {
      webhook.HttpHeaders = body.HttpHeaders;
    }
    webhook.Triggers = mergeTriggers(webhook.Triggers, body.Triggers);

    this.sendJson(exchange, 200, webhook);
  }

  private deleteWebhook(exchange: Exchange, id: string): void {
    const before = this.webhooks.length;
    this.webhooks = this.webhooks.filter((candidate) => candidate.ID !== Number(id));

    if (this.webhooks.length === before) {
      return this.webhookNotFound(exchange, id);
    }

    this.sendJson(exchange, 200, { ErrorCode: 0, Message: `Webhook ${id} removed.` });
  }

  private webhookNotFound(exchange: Exchange, id: string): void {
    this.sendError(exchange, 1400, `Webhook ${id} was not found.`);
  }

  // ---- events posted back -------------------------------------------------------------------

  private scheduleAutoEvents(email: SentEmail): void {
    const plan = this.autoEvents;
    if (!plan || !plan.kinds.length) {
      return;
    }

    const run = (async () => {
      for (const kind of plan.kinds) {
        if (!(await this.delay(plan.delayMs))) {
          return;
        }

        for (const recipient of email.recipients) {
          await this.postAutoEvent(plan, kind, email, recipient);
        }
      }
    })();

    this.pendingEvents.add(run);
    void run.finally(() => this.pendingEvents.delete(run));
  }

  private async postAutoEvent(
    plan: AutoEvents,
    kind: AutoEvents['kinds'][number],
    email: SentEmail,
    recipient: string,
  ): Promise<void> {
    const payload = buildEventPayload(kind, email, recipient, new Date());
    this.addMessageEvent(email.MessageID, toMessageEvent(kind, payload));

    const delivery: EventDelivery = {
      url: plan.url,
      RecordType: kind,
      MessageID: email.MessageID,
      status: 0,
    };
    this.eventDeliveries.push(delivery);

    try {
      const answer = await this.postEvent(plan.url, payload, plan.auth, randomUUID());
      delivery.status = answer.status;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
  }

  private postWebhook(
    targetUrl: string,
    payload: object | string,
    auth?: BasicAuth,
    traceId?: string,
  ): Promise<PostResult> {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Postmark',
    };

    if (auth) {
      headers.Authorization = basicAuthHeader(auth);
    }
    if (traceId) {
      headers['X-PM-Webhook-Trace-Id'] = traceId;
    }

    return postTo(targetUrl, body, headers);
  }
}

function templateKey(template: PostmarkTemplate): string {
  return template.Alias ?? String(template.TemplateId);
}

function templateSummary(template: PostmarkTemplate): Record<string, unknown> {
  return {
    Active: template.Active,
    TemplateId: template.TemplateId,
    Name: template.Name,
    Alias: template.Alias,
    TemplateType: template.TemplateType,
    LayoutTemplate: template.LayoutTemplate,
  };
}

function summarizeMessage(email: SentEmail): Record<string, unknown> {
  const named = (field: string | undefined) => {
    const parsed = field ? parseAddressList(field) : undefined;

    return parsed?.ok ? parsed.addresses.map((a) => ({ Email: a.email, Name: a.name })) : [];
  };

  return {
    Tag: email.Tag ?? '',
    MessageID: email.MessageID,
    MessageStream: email.MessageStream,
    To: named(email.To),
    Cc: named(email.Cc),
    Bcc: named(email.Bcc),
    Recipients: [...email.recipients],
    ReceivedAt: email.SubmittedAt,
    From: email.From,
    Subject: email.subject,
    Attachments: [],
    Status: 'Sent',
    TrackOpens: email.TrackOpens ?? false,
    TrackLinks: email.TrackLinks ?? 'None',
    Metadata: { ...(email.Metadata ?? {}) },
    Sandboxed: false,
  };
}

function mergeTriggers(
  current: Record<string, Record<string, boolean>>,
  changes: unknown,
): Record<string, Record<string, boolean>> {
  if (!isRecord(changes)) {
    return current;
  }

  for (const [name, settings] of Object.entries(changes)) {
    if (current[name] && isRecord(settings)) {
      current[name] = { ...current[name], ...(settings as Record<string, boolean>) };
    }
  }

  return current;
}

function defaultServerSettings(serverToken: string): Record<string, unknown> {
  return {
    ID: SERVER_ID,
    Name: 'Acme Travel',
    ApiTokens: [serverToken],
    Color: 'blue',
    SmtpApiActivated: true,
    RawEmailEnabled: false,
    DeliveryType: 'Live',
    ServerLink: `https://account.postmarkapp.com/servers/${SERVER_ID}/streams`,
    InboundAddress: '3f9c1e7a8b2d4c6e@inbound.postmarkapp.com',
    InboundHookUrl: '',
    BounceHookUrl: '',
    OpenHookUrl: '',
    DeliveryHookUrl: '',
    ClickHookUrl: '',
    PostFirstOpenOnly: false,
    InboundDomain: '',
    InboundHash: '3f9c1e7a8b2d4c6e',
    InboundSpamThreshold: 0,
    TrackOpens: false,
    TrackLinks: 'None',
    IncludeBounceContentInHook: false,
    EnableSmtpApiErrorHooks: false,
  };
}

/** Postmark wants JSON both ways: a JSON Content-Type, and an Accept that allows JSON. */
function speaksJson(exchange: Exchange): boolean {
  const contentType = exchange.req.headers['content-type'] ?? '';
  const accept = exchange.req.headers.accept ?? '*/*';

  return contentType.includes('application/json') && /application\/json|\*\/\*/.test(accept);
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
