import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ApiError } from '@kp/shared';
import { Response } from 'express';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable',
  429: 'too_many_requests',
  502: 'upstream_error',
  503: 'unavailable',
};

/** Thrown by our code when it wants a specific error code and field list in the answer. */
export class ApiException extends HttpException {
  constructor(status: number, code: string, message: string, fields?: Record<string, string>) {
    super({ code, message, fields } satisfies ApiError, status);
  }
}

/** Every error leaves in one shape: {code, message, fields?}. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (status >= 500 && exception instanceof ApiException) {
      // A deliberate 502/503 (Kommo or Postmark down) is already explained; no stack needed.
      this.logger.warn(`${body.code}: ${body.message}`);
    } else if (status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    response.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: ApiError } {
    const expressError = exception as {
      status?: number;
      type?: string;
      expose?: boolean;
      message?: string;
    };
    if (!(exception instanceof HttpException) && expressError?.expose && expressError.status) {
      // body-parser errors: bad JSON, too large.
      return {
        status: expressError.status,
        body: {
          code: CODES[expressError.status] ?? 'bad_request',
          message: expressError.message ?? 'bad request',
        },
      };
    }
    if (!(exception instanceof HttpException)) {
      return {
        status: HttpStatus.INTERNAL_SERVER_ERROR,
        body: {
          code: 'internal_error',
          message: 'Something went wrong on our side; it is logged.',
        },
      };
    }

    const status = exception.getStatus();
    const payload = exception.getResponse() as
      | string
      | (ApiError & { message?: string | string[] });
    if (typeof payload === 'object' && typeof payload.code === 'string')
      return { status, body: payload };

    const message =
      typeof payload === 'string'
        ? payload
        : Array.isArray(payload.message)
          ? payload.message.join('; ')
          : payload.message;

    return {
      status,
      body: { code: CODES[status] ?? 'error', message: message ?? exception.message },
    };
  }
}
