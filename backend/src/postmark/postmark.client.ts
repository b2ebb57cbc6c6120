import { Injectable, Logger } from '@nestjs/common';
import { ServerClient } from 'postmark';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { classifyErrorCode, classifyHttpFailure, PostmarkError } from './postmark.errors';

export interface TemplatedEmail {
  TemplateAlias: string;
  TemplateModel: Record<string, unknown>;
  From: string;
  To: string;
  ReplyTo?: string;
  Tag?: string;
  Metadata?: Record<string, string>;
  MessageStream?: string;
  TrackOpens?: boolean;
  TrackLinks?: 'None' | 'HtmlAndText' | 'HtmlOnly' | 'TextOnly';
}

export type SendOutcome =
  | { ok: true; messageId: string; submittedAt: string }
  | { ok: false; error: PostmarkError };

export interface TemplateInfo {
  alias: string;
  name: string;
  subject: string;
  htmlBody: string | null;
  textBody: string | null;
  layoutTemplate: string | null;
  type: string;
}

export interface RenderedTemplate {
  valid: boolean;
  subject: string;
  htmlBody: string;
  textBody: string;
  errors: string[];
  suggestedModel: Record<string, unknown>;
}

/** Postmark's batch limit. */
export const POSTMARK_BATCH_SIZE = 500;

/**
 * The only code that speaks to Postmark. Wraps the official client, points it at
 * POSTMARK_API_URL when set, and turns every failure into a PostmarkError.
 */
@Injectable()
export class PostmarkClient {
  private readonly logger = new Logger(PostmarkClient.name);
  private readonly client: ServerClient;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const target = config.POSTMARK_API_URL ? new URL(config.POSTMARK_API_URL) : undefined;
    this.client = new ServerClient(config.POSTMARK_SERVER_TOKEN, {
      useHttps: target ? target.protocol === 'https:' : true,
      requestHost: target ? target.host : 'api.postmarkapp.com',
      timeout: config.POSTMARK_TIMEOUT_MS / 1000,
    });
  }

  /**
   * Sends up to 500 templated emails in one call. Results come back in input order. When
   * the whole call fails, every message gets the same error (ambiguous on no answer).
   */
  async sendBatch(messages: TemplatedEmail[]): Promise<SendOutcome[]> {
    if (messages.length === 0) return [];

    try {
      const results = await this.client.sendEmailBatchWithTemplates(messages as never);
      this.metrics.postmarkCalls.inc({ operation: 'batch', outcome: 'ok' });

      return results.map((result) =>
        result.ErrorCode === 0
          ? { ok: true, messageId: result.MessageID, submittedAt: String(result.SubmittedAt) }
          : { ok: false, error: classifyErrorCode(result.ErrorCode, result.Message, 200) },
      );
    } catch (error) {
      const failure = this.toError(error, true);
      this.metrics.postmarkCalls.inc({ operation: 'batch', outcome: failure.kind });

      return messages.map(() => ({ ok: false, error: failure }));
    }
  }

  /** Finds a message we may have sent already, by the send id we put in its Metadata. */
  async findBySendId(sendId: string): Promise<string | undefined> {
    const filter = { count: 1, offset: 0, metadata_send_id: sendId };
    try {
      const found = await this.client.getOutboundMessages(filter as never);
      this.metrics.postmarkCalls.inc({ operation: 'search', outcome: 'ok' });

      return found.Messages[0]?.MessageID;
    } catch (error) {
      throw this.toError(error, false);
    }
  }

  async getMessageDetails(messageId: string): Promise<{
    status: string;
    events: Array<{ Type: string; ReceivedAt: string; Details?: Record<string, unknown> }>;
  }> {
    try {
      const details = await this.client.getOutboundMessageDetails(messageId);

      return {
        status: String(details.Status),
        events: (details.MessageEvents ?? []).map((event) => ({
          Type: String(event.Type),
          ReceivedAt: String(event.ReceivedAt),
          Details: event.Details as unknown as Record<string, unknown>,
        })),
      };
    } catch (error) {
      throw this.toError(error, false);
    }
  }

  async listTemplates(): Promise<Array<{ alias: string; name: string; type: string }>> {
    try {
      const page = await this.client.getTemplates({ count: 500, offset: 0 } as never);

      return page.Templates.filter((template) => template.Active !== false).map((template) => ({
        alias: template.Alias ?? String(template.TemplateId),
        name: template.Name,
        type: String((template as { TemplateType?: string }).TemplateType ?? 'Standard'),
      }));
    } catch (error) {
      throw this.toError(error, false);
    }
  }

  async getTemplate(alias: string): Promise<TemplateInfo> {
    try {
      // The official client puts the alias into the URL path as it is.
      const template = await this.client.getTemplate(encodeURIComponent(alias));

      return {
        alias: template.Alias ?? alias,
        name: template.Name,
        subject: template.Subject ?? '',
        htmlBody: template.HtmlBody ?? null,
        textBody: template.TextBody ?? null,
        layoutTemplate: (template as { LayoutTemplate?: string | null }).LayoutTemplate ?? null,
        type: String((template as { TemplateType?: string }).TemplateType ?? 'Standard'),
      };
    } catch (error) {
      throw this.toError(error, false);
    }
  }

  /** Renders a template with a model without sending anything. */
  async render(alias: string, model: Record<string, unknown>): Promise<RenderedTemplate> {
    const template = await this.getTemplate(alias);
    const request: Record<string, unknown> = {
      Subject: template.subject,
      TestRenderModel: model,
      InlineCssForHtmlTestRender: true,
    };
    if (template.htmlBody) request.HtmlBody = template.htmlBody;
    if (template.textBody) request.TextBody = template.textBody;
    if (template.layoutTemplate) request.LayoutTemplate = template.layoutTemplate;

    try {
      const result = await this.client.validateTemplate(request as never);
      const errors = [result.Subject, result.HtmlBody, result.TextBody]
        .flatMap((part) => part?.ValidationErrors ?? [])
        .map((error) => String((error as { Message?: string }).Message ?? error));

      return {
        valid: result.AllContentIsValid,
        subject: result.Subject?.RenderedContent ?? '',
        htmlBody: result.HtmlBody?.RenderedContent ?? '',
        textBody: result.TextBody?.RenderedContent ?? '',
        errors,
        suggestedModel: (result.SuggestedTemplateModel ?? {}) as Record<string, unknown>,
      };
    } catch (error) {
      throw this.toError(error, false);
    }
  }

  /** The raw client for set-up tasks (webhooks, server settings). */
  get server(): ServerClient {
    return this.client;
  }

  private toError(error: unknown, wasSend: boolean): PostmarkError {
    const failure = error as { statusCode?: number; code?: number; message?: string };
    const status = failure.statusCode || undefined;
    if (status === undefined && wasSend) {
      // No answer at all: Postmark may have accepted it. The caller must look it up.
      this.logger.warn(`Postmark did not answer a send: ${failure.message}`);
      return new PostmarkError('ambiguous', failure.message ?? 'no response');
    }

    return classifyHttpFailure(status, { ErrorCode: failure.code, Message: failure.message });
  }
}
