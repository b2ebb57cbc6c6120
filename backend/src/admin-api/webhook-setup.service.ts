import { Injectable, Logger } from '@nestjs/common';
import { Models } from 'postmark';
import { ApiException } from '../common/api-error.filter';
import { redactPath } from '../common/logging';
import { AppConfig } from '../config/app-config';
import { KommoClient } from '../kommo/kommo.client';
import { PostmarkClient } from '../postmark/postmark.client';
import { classifyHttpFailure, PostmarkError } from '../postmark/postmark.errors';

const EVENTS_PATH = '/webhooks/postmark/events';
const INBOUND_PATH = '/webhooks/postmark/inbound';
const KOMMO_PATH = '/webhooks/kommo/';

/** The Postmark events we act on; bounce and spam bodies stay out (we never store them). */
const EVENT_TRIGGERS: Record<string, Record<string, boolean>> = {
  Delivery: { Enabled: true },
  Bounce: { Enabled: true, IncludeContent: false },
  SpamComplaint: { Enabled: true, IncludeContent: false },
  Open: { Enabled: true, PostFirstOpenOnly: false },
  Click: { Enabled: true },
  SubscriptionChange: { Enabled: true },
};

export interface WebhookSetupReport {
  publicUrl: string;
  kommo: {
    action: 'registered' | 'enabled_again' | 'unchanged';
    destination: string;
    others: number;
  };
  postmarkEvents: {
    action: 'created' | 'updated' | 'unchanged';
    webhookId: number;
    url: string;
    messageStream: string;
    triggers: string[];
  };
  postmarkInbound: { action: 'set' | 'unchanged'; url: string };
}

/**
 * Points Kommo and Postmark at this service: Kommo's status_lead webhook, Postmark's event
 * webhook for our message stream (basic auth, the triggers we use) and the server's inbound
 * hook. Safe to run again: what is already right is left alone. Reports carry no secrets.
 */
@Injectable()
export class WebhookSetupService {
  private readonly logger = new Logger(WebhookSetupService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly kommo: KommoClient,
    private readonly postmark: PostmarkClient,
  ) {}

  async run(publicUrl: string): Promise<WebhookSetupReport> {
    const base = parsePublicUrl(publicUrl);

    const report: WebhookSetupReport = {
      publicUrl: base,
      kommo: await this.kommoWebhook(base),
      postmarkEvents: await this.postmarkEvents(base),
      postmarkInbound: await this.postmarkInbound(base),
    };
    this.logger.log(
      `webhooks for ${base}: Kommo ${report.kommo.action}, Postmark events ` +
        `${report.postmarkEvents.action}, Postmark inbound ${report.postmarkInbound.action}`,
    );

    return report;
  }

  private async kommoWebhook(base: string): Promise<WebhookSetupReport['kommo']> {
    const destination = `${base}${KOMMO_PATH}${this.config.KOMMO_WEBHOOK_TOKEN}`;
    const hooks = await this.kommo.listWebhooks();
    const same = hooks.find((hook) => hook.destination === destination);
    const others = hooks.filter(
      (hook) => hook.destination !== destination && hook.destination.includes(KOMMO_PATH),
    ).length;

    let action: WebhookSetupReport['kommo']['action'] = 'unchanged';
    if (!same || same.disabled || !same.settings.includes('status_lead')) {
      // Kommo treats a second registration of a destination as an update and re-enables it.
      await this.kommo.registerWebhook(destination, ['status_lead']);
      action = same ? 'enabled_again' : 'registered';
    }

    return { action, destination: redactPath(destination), others };
  }

  private async postmarkEvents(base: string): Promise<WebhookSetupReport['postmarkEvents']> {
    const url = `${base}${EVENTS_PATH}`;
    const messageStream = this.config.POSTMARK_MESSAGE_STREAM;
    const auth = {
      Username: this.config.POSTMARK_WEBHOOK_USER,
      Password: this.config.POSTMARK_WEBHOOK_PASSWORD,
    };
    const server = this.postmark.server;

    const { Webhooks } = await postmarkCall(() => server.getWebhooks({ messageStream }));
    // Ours is the one posting to our events path, even from an older public URL.
    const existing = Webhooks.find(
      (hook) =>
        (hook.MessageStream ?? messageStream) === messageStream &&
        pathOf(hook.Url).endsWith(EVENTS_PATH),
    );
    const wanted = {
      Url: url,
      HttpAuth: auth,
      Triggers: EVENT_TRIGGERS as Models.WebhookRequestTriggers,
    };

    let action: WebhookSetupReport['postmarkEvents']['action'] = 'unchanged';
    let webhookId = existing?.ID ?? 0;
    if (!existing) {
      const created = await postmarkCall(() =>
        server.createWebhook({ ...wanted, MessageStream: messageStream }),
      );
      webhookId = created.ID;
      action = 'created';
    } else if (!sameWebhook(existing, url, auth)) {
      await postmarkCall(() => server.editWebhook(existing.ID, wanted));
      action = 'updated';
    }

    return { action, webhookId, url, messageStream, triggers: Object.keys(EVENT_TRIGGERS) };
  }

  private async postmarkInbound(base: string): Promise<WebhookSetupReport['postmarkInbound']> {
    const url = new URL(`${base}${INBOUND_PATH}`);
    url.username = this.config.POSTMARK_WEBHOOK_USER;
    url.password = this.config.POSTMARK_WEBHOOK_PASSWORD;
    const wanted = url.toString();
    const server = this.postmark.server;

    const current = await postmarkCall(() => server.getServer());
    let action: WebhookSetupReport['postmarkInbound']['action'] = 'unchanged';
    if (current.InboundHookUrl !== wanted) {
      await postmarkCall(() => server.editServer({ InboundHookUrl: wanted }));
      action = 'set';
    }

    url.username = '***';
    url.password = '***';

    return { action, url: url.toString() };
  }
}

/** The base URL without a trailing slash; refuses what Kommo or Postmark would not call. */
export function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badPublicUrl('must be an absolute URL such as https://kp.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badPublicUrl('must be http(s)');
  if (url.username || url.password) throw badPublicUrl('must not carry credentials');
  if (url.search || url.hash) throw badPublicUrl('must not have a query or fragment');

  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function badPublicUrl(problem: string): ApiException {
  return new ApiException(400, 'validation_failed', `publicUrl ${problem}`, { publicUrl: problem });
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

function sameWebhook(
  hook: Models.Webhook,
  url: string,
  auth: { Username: string; Password: string },
): boolean {
  const triggers = hook.Triggers as unknown as Record<string, Record<string, boolean> | undefined>;
  const triggersMatch = Object.entries(EVENT_TRIGGERS).every(([name, settings]) =>
    Object.entries(settings).every(([key, value]) => triggers?.[name]?.[key] === value),
  );

  // A listing without the password cannot prove it is current, so it counts as different.
  return (
    hook.Url === url &&
    hook.HttpAuth?.Username === auth.Username &&
    hook.HttpAuth?.Password === auth.Password &&
    triggersMatch
  );
}

/** Errors of the official client's set-up calls, in the same terms as every other Postmark call. */
async function postmarkCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PostmarkError) throw error;
    const failure = error as { statusCode?: number; code?: number; message?: string };

    throw classifyHttpFailure(failure.statusCode || undefined, {
      ErrorCode: failure.code,
      Message: failure.message,
    });
  }
}
