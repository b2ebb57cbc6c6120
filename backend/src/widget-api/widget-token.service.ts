import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ApiException } from '../common/api-error.filter';
import { AppConfig } from '../config/app-config';
import { verifyWidgetToken, WidgetTokenError, WidgetTokenRules, WidgetUser } from './widget-token';

// Kommo's and our clocks may disagree a little; tokens live about 30 minutes.
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Checks Kommo's X-Auth-Token against our settings. Without the client secret there is
 * nothing to check tokens with, so every widget call answers 503 and says why.
 */
@Injectable()
export class WidgetTokenService implements OnModuleInit {
  private readonly logger = new Logger(WidgetTokenService.name);
  private readonly rules: WidgetTokenRules | null;

  constructor(config: AppConfig) {
    this.rules = config.KOMMO_CLIENT_SECRET
      ? {
          secret: config.KOMMO_CLIENT_SECRET,
          audience: config.widgetTokenAudience,
          subdomain: config.KOMMO_SUBDOMAIN,
          accountId: config.KOMMO_ACCOUNT_ID ?? null,
          clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
        }
      : null;
  }

  onModuleInit(): void {
    if (!this.rules) {
      this.logger.warn(
        'the widget API is off: KOMMO_CLIENT_SECRET is not set, so Kommo tokens cannot be ' +
          'checked and /widget answers 503',
      );
    } else if (!this.rules.audience) {
      this.logger.warn(
        'widget tokens are accepted for any audience: set WIDGET_TOKEN_AUDIENCE (or ' +
          'KOMMO_REDIRECT_URI) to the origin of the integration redirect URI',
      );
    }
  }

  authenticate(header: string | undefined): WidgetUser {
    if (!this.rules) {
      throw new ApiException(
        503,
        'widget_not_configured',
        'The widget API is switched off: the backend has no KOMMO_CLIENT_SECRET (the Kommo ' +
          "integration's secret key) to check Kommo's sign-in tokens with.",
      );
    }

    const token = header?.trim();
    if (!token) {
      throw new ApiException(401, 'token_missing', 'The X-Auth-Token header is missing.');
    }

    try {
      return verifyWidgetToken(token, this.rules);
    } catch (error) {
      if (!(error instanceof WidgetTokenError)) throw error;

      this.report(error);
      throw new ApiException(
        401,
        `token_${error.problem}`,
        `Kommo's sign-in token: ${error.message}.`,
      );
    }
  }

  /** Expired tokens are routine; a bad signature or a foreign account needs an operator. */
  private report(error: WidgetTokenError): void {
    const line = `widget token refused: ${error.message}`;

    if (error.problem === 'expired' || error.problem === 'not_yet_valid') this.logger.debug(line);
    else this.logger.warn(line);
  }
}
