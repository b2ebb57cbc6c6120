import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { maskEmailsIn } from './crypto';

// Query parameters whose values are secrets whatever the route.
const SECRET_PARAMS = /([?&](?:[^=&]*(?:token|key|secret|password|auth|code)[^=&]*)=)[^&#]*/gi;

/**
 * Paths carry the Kommo webhook secret (routing ignores case, so must we); query strings may
 * carry keys. Logs show the route, never the secret.
 */
export function redactPath(url: string | undefined): string {
  return (url ?? '')
    .replace(/(\/webhooks\/kommo\/)[^/?#]+/i, '$1***')
    .replace(SECRET_PARAMS, '$1***');
}

/**
 * JSON logs with a request id on every line; pretty in a terminal. Secrets in headers are
 * removed, and our own lines mask addresses (see maskEmail).
 */
export function loggerOptions(config: AppConfig): Params {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';

  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      genReqId: (request: IncomingMessage) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && given.length <= 100 ? given : randomUUID();
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-auth-token"]',
          'req.headers["x-postmark-server-token"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
        ],
        censor: '***',
      },
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: maskEmailsIn(redactPath(request.url)),
        }),
      },
      // Last line of defence: an address quoted in a message (a Postmark error) is masked too.
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? maskEmailsIn(arg) : arg));

          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
      // 503 is a deliberate "not ready / try later", explained by our own warning.
      customLogLevel: (_request, response, error) => {
        if (response.statusCode === 503) return 'warn';
        if (error || response.statusCode >= 500) return 'error';

        return response.statusCode >= 400 ? 'warn' : 'info';
      },
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}
