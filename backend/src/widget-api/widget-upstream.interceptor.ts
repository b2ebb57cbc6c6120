import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError, timeout, TimeoutError } from 'rxjs';
import { ApiException } from '../common/api-error.filter';
import { KommoError } from '../kommo/kommo.errors';
import { PostmarkError } from '../postmark/postmark.errors';

/**
 * The widget gives up on a request after 20 s; answer before that with a reason it can show.
 * The Kommo client retries a dead Kommo for longer, and that work may finish in the
 * background (a send stays idempotent through its request id).
 */
export const WIDGET_DEADLINE_MS = 15_000;

/**
 * Turns Kommo and Postmark failures into the widget's error shape: 503 when the service is
 * down or limiting us (try again later), 502 when it refused us (an operator must look).
 */
@Injectable()
export class WidgetUpstreamInterceptor implements NestInterceptor {
  private readonly logger = new Logger(WidgetUpstreamInterceptor.name);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = `${context.getClass().name}.${context.getHandler().name}`;

    return next.handle().pipe(
      timeout(WIDGET_DEADLINE_MS),
      catchError((error: unknown) => throwError(() => this.translate(error, route))),
    );
  }

  private translate(error: unknown, route: string): unknown {
    if (error instanceof TimeoutError) {
      this.logger.warn(
        `${route}: no answer from Kommo or Postmark within ${WIDGET_DEADLINE_MS} ms`,
      );

      return new ApiException(
        504,
        'upstream_timeout',
        'Kommo or Postmark did not answer in time. Try again in a minute.',
      );
    }

    if (error instanceof KommoError) {
      this.logger.warn(`${route}: Kommo failed (${error.kind}): ${error.message}`);

      return kommoFailure(error);
    }

    if (error instanceof PostmarkError) {
      this.logger.warn(`${route}: Postmark failed (${error.kind}): ${error.message}`);

      return postmarkFailure(error);
    }

    return error;
  }
}

function kommoFailure(error: KommoError): ApiException {
  switch (error.kind) {
    case 'transient':
      return new ApiException(503, 'kommo_unavailable', 'Kommo is not answering right now.');
    case 'blocked':
      return new ApiException(
        503,
        'kommo_blocked',
        'Kommo has paused this account’s API access for a while; calls resume by themselves.',
      );
    case 'auth':
      return new ApiException(
        502,
        'kommo_auth',
        'Kommo refused the backend’s access token: an administrator must reconnect Kommo.',
      );
    case 'permanent':
      return new ApiException(502, 'kommo_error', `Kommo refused the request: ${error.message}`);
  }
}

function postmarkFailure(error: PostmarkError): ApiException {
  switch (error.kind) {
    case 'transient':
    case 'ambiguous':
      return new ApiException(503, 'postmark_unavailable', 'Postmark is not answering right now.');
    case 'configuration':
      return new ApiException(
        502,
        'postmark_configuration',
        `Postmark refused the backend’s request; an administrator must check the Postmark ` +
          `server settings: ${error.message}`,
      );
    default:
      return new ApiException(
        502,
        'postmark_error',
        `Postmark refused the request: ${error.message}`,
      );
  }
}
