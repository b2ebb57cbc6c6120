import { Injectable } from '@nestjs/common';
import { ApiException } from '../common/api-error.filter';
import { redactPath } from '../common/logging';
import { AppConfig } from '../config/app-config';
import { KommoAuthService } from '../kommo/kommo-auth.service';
import { KommoClient } from '../kommo/kommo.client';
import { KommoError } from '../kommo/kommo.errors';
import { KommoPipelineView, KommoStatusView, KommoWebhookState } from './dto/kommo.dto';

/** The Kommo connection: token state, block state, our webhook, and connecting by OAuth code. */
@Injectable()
export class KommoAdminService {
  constructor(
    private readonly config: AppConfig,
    private readonly auth: KommoAuthService,
    private readonly kommo: KommoClient,
  ) {}

  async status(): Promise<KommoStatusView> {
    const auth = await this.auth.status();

    return {
      account: this.auth.account,
      ...auth,
      blocked: this.kommo.isBlocked(),
      blockedUntil: this.kommo.blockedUntilIso(),
      webhook: auth.connected ? await this.webhookState() : notAsked('Kommo is not connected'),
    };
  }

  /** Exchanges an authorization code for the OAuth token pair and stores it, encrypted. */
  async connect(code: string): Promise<KommoStatusView> {
    if (!this.config.usesOAuth) {
      throw new ApiException(
        409,
        'long_lived_token_configured',
        'KOMMO_LONG_LIVED_TOKEN is set, so OAuth is not used; unset it to connect with a code',
      );
    }

    try {
      await this.auth.exchangeCode(code);
    } catch (error) {
      if (error instanceof KommoError && error.kind === 'auth') {
        throw new ApiException(422, 'code_refused', 'Kommo refused the authorization code', {
          code: 'used, expired, or issued to another integration or redirect URI',
        });
      }
      throw error;
    }

    return this.status();
  }

  async pipelines(): Promise<KommoPipelineView[]> {
    const pipelines = await this.kommo.getPipelines();

    return pipelines.map((pipeline) => ({
      id: pipeline.id,
      name: pipeline.name,
      stages: (pipeline._embedded?.statuses ?? []).map((stage) => ({
        id: stage.id,
        name: stage.name,
      })),
    }));
  }

  private async webhookState(): Promise<KommoWebhookState> {
    try {
      const ours = (await this.kommo.listWebhooks()).filter((hook) =>
        this.isOurs(hook.destination),
      );

      return {
        registered: ours.length > 0,
        disabled: ours.length > 0 && ours.every((hook) => hook.disabled),
        destinations: ours.map((hook) => redactPath(hook.destination)),
      };
    } catch (error) {
      return notAsked(error instanceof Error ? error.message : String(error));
    }
  }

  private isOurs(destination: string): boolean {
    return destination
      .replace(/\/+$/, '')
      .endsWith(`/webhooks/kommo/${this.config.KOMMO_WEBHOOK_TOKEN}`);
  }
}

function notAsked(reason: string): KommoWebhookState {
  return { registered: null, disabled: false, destinations: [], error: reason };
}
