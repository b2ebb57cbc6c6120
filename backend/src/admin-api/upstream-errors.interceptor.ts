import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { ApiException } from '../common/api-error.filter';
import { KommoError } from '../kommo/kommo.errors';
import { PostmarkError } from '../postmark/postmark.errors';

/**
 * Kommo and Postmark failures reach the operator as our error shape with a code that says
 * which side failed and whether waiting helps, instead of a bare 500.
 */
@Injectable()
export class UpstreamErrorsInterceptor implements NestInterceptor {
  private readonly logger = new Logger(UpstreamErrorsInterceptor.name);

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        const mapped = toApiException(error);
        if (mapped) {
          const { method, path } = context
            .switchToHttp()
            .getRequest<{ method: string; path: string }>();
          this.logger.warn(`${method} ${path}: ${(error as Error).message}`);
        }

        return throwError(() => mapped ?? error);
      }),
    );
  }
}

export function toApiException(error: unknown): ApiException | undefined {
  if (error instanceof KommoError) {
    switch (error.kind) {
      case 'auth':
        return new ApiException(
          503,
          'kommo_not_connected',
          `Kommo refused us: ${error.message}. Connect the account (POST /api/v1/kommo/oauth) ` +
            'or check KOMMO_LONG_LIVED_TOKEN.',
        );
      case 'blocked':
        return new ApiException(503, 'kommo_blocked', error.message);
      case 'transient':
        return new ApiException(502, 'kommo_unavailable', `${error.message}; try again shortly`);
      case 'permanent':
        return new ApiException(502, 'kommo_rejected', error.message);
    }
  }

  if (error instanceof PostmarkError) {
    const code =
      error.kind === 'configuration'
        ? 'postmark_configuration'
        : error.kind === 'transient' || error.kind === 'ambiguous'
          ? 'postmark_unavailable'
          : 'postmark_rejected';
    const suffix = error.errorCode !== undefined ? ` (ErrorCode ${error.errorCode})` : '';

    return new ApiException(502, code, `Postmark: ${error.message}${suffix}`);
  }

  return undefined;
}
