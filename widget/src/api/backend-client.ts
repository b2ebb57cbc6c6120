import type {
  LeadMessagesResponse,
  LeadRecipientsResponse,
  PreviewRequest,
  PreviewResponse,
  SendRequest,
  SendResponse,
  StageRuleInput,
  TemplateSummary,
  WidgetRulesResponse,
} from '@kp/shared';

import type { KommoWidgetHost } from '../kommo/widget-host';
import { toApiFailure } from './api-failure';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

/** Sends one request to the backend: resolves with the parsed JSON, rejects with an ApiFailure. */
export type Transport = (request: HttpRequest) => Promise<unknown>;

// A backend that hangs is as unusable as one that is down; say so instead of spinning forever.
const REQUEST_TIMEOUT_MS = 20_000;

export function trimBaseUrl(raw: string | undefined): string {
  return (raw ?? '').trim().replace(/\/+$/, '');
}

/** Calls through Kommo's `$authorizedAjax`, which signs each request with X-Auth-Token. */
export function kommoTransport(host: KommoWidgetHost, baseUrl: string): Transport {
  return (request) =>
    new Promise((resolve, reject) => {
      const hasBody = request.body !== undefined;

      try {
        host
          .$authorizedAjax({
            url: baseUrl + request.path,
            type: request.method,
            dataType: 'json',
            timeout: REQUEST_TIMEOUT_MS,
            ...(hasBody
              ? { data: JSON.stringify(request.body), contentType: 'application/json' }
              : {}),
          })
          .then(resolve, (xhr, textStatus) => reject(toApiFailure(xhr, textStatus)));
      } catch (error) {
        reject(toApiFailure(error));
      }
    });
}

/** The backend's `/widget` API, one method per endpoint. */
export class BackendClient {
  constructor(private readonly transport: Transport) {}

  templates(): Promise<TemplateSummary[]> {
    return this.call({ method: 'GET', path: '/widget/templates' });
  }

  recipients(leadId: number): Promise<LeadRecipientsResponse> {
    return this.call({ method: 'GET', path: `/widget/leads/${leadId}/recipients` });
  }

  messages(leadId: number): Promise<LeadMessagesResponse> {
    return this.call({ method: 'GET', path: `/widget/leads/${leadId}/messages` });
  }

  preview(request: PreviewRequest): Promise<PreviewResponse> {
    return this.call({ method: 'POST', path: '/widget/preview', body: request });
  }

  send(request: SendRequest): Promise<SendResponse> {
    return this.call({ method: 'POST', path: '/widget/send', body: request });
  }

  rules(): Promise<WidgetRulesResponse> {
    return this.call({ method: 'GET', path: '/widget/rules' });
  }

  saveRules(rules: StageRuleInput[]): Promise<WidgetRulesResponse> {
    return this.call({ method: 'PUT', path: '/widget/rules', body: { rules } });
  }

  private async call<T>(request: HttpRequest): Promise<T> {
    return (await this.transport(request)) as T;
  }
}
