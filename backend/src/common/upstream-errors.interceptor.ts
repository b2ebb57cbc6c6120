import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError, timeout, TimeoutError } from 'rxjs';
import { KommoError } from '../kommo/kommo.errors';
import { PostmarkError } from '../postmark/postmark.errors';
import { ApiException } from './api-error.filter';

/**
 * The widget gives up on a request after 20 s; answering before that lets it show a reason.
 * A Kommo call that is still retrying may finish in the background (sends stay idempotent).
 */
export const UPSTREAM_DEADLINE_MS = 15_000;

/**
 * Kommo and Postmark failures leave the admin and widget APIs in our error shape: 503 when
 * the service is down or limiting us (waiting helps), 502 when it refused us (someone must
 * look), 504 when it did not answer in time.
 */
@Injectable()
export class UpstreamErrorsInterceptor implements NestInterceptor {
  private readonly logger = new Logger(UpstreamErrorsInterceptor.name);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = `${context.getClass().name}.${context.getHandler().name}`;

    return next.handle().pipe(
      timeout(UPSTREAM_DEADLINE_MS),
      catchError((error: unknown) => {
        const mapped = toApiException(error);
        if (mapped) this.logger.warn(`${route}: ${(error as Error).message}`);

        return throwError(() => mapped ?? error);
      }),
    );
  }
}

export function toApiException(error: unknown): ApiException | undefined {
  if (error instanceof TimeoutError) {
    return new ApiException(
      504,
      'upstream_timeout',
      'Kommo or Postmark did not answer in time. Try again in a minute.',
    );
  }
  if (error instanceof KommoError) return kommoFailure(error);
  if (error instanceof PostmarkError) return postmarkFailure(error);

  return undefined;
}

function kommoFailure(error: KommoError): ApiException {
  switch (error.kind) {
    case 'auth':
      return new ApiException(
        503,
        'kommo_not_connected',
        `Kommo refused our access token (${error.message}). Connect the account ` +
          '(POST /api/v1/kommo/oauth or npm run kommo:connect) or renew KOMMO_LONG_LIVED_TOKEN.',
      );
    case 'blocked':
      return new ApiException(
        503,
        'kommo_blocked',
        `Kommo has paused this account's API access; calls resume by themselves. ${error.message}`,
      );
    case 'transient':
      return new ApiException(503, 'kommo_unavailable', `${error.message}; try again shortly.`);
    case 'permanent':
      return new ApiException(502, 'kommo_rejected', `Kommo refused the request: ${error.message}`);
  }
}

function postmarkFailure(error: PostmarkError): ApiException {
  const suffix = error.errorCode !== undefined ? ` (ErrorCode ${error.errorCode})` : '';
  switch (error.kind) {
    case 'transient':
    case 'ambiguous':
      return new ApiException(503, 'postmark_unavailable', 'Postmark is not answering right now.');
    case 'configuration':
      return new ApiException(
        502,
        'postmark_configuration',
        `Postmark refused the request; check the Postmark server settings: ${error.message}${suffix}`,
      );
    default:
      return new ApiException(502, 'postmark_rejected', `Postmark: ${error.message}${suffix}`);
  }
}
