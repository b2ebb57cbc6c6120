import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { ApiErrorFilter } from './common/api-error.filter';
import { hasBasicAuth } from './common/basic-auth.guard';
import { safeEqual } from './common/crypto';
import { InboundService } from './inbound/inbound.service';
import { StageIntakeService } from './sending/stage-intake.service';
import { TrackingService } from './tracking/tracking.service';

/**
 * Everything main.ts and the tests both need: per-route body limits (Kommo mass moves,
 * 35 MB inbound attachments), the error shape, CORS for the widget and the API docs.
 */
export function configureApp(app: INestApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  const server = app.getHttpAdapter().getInstance() as express.Express;
  server.disable('x-powered-by');
  server.set('trust proxy', true);
  // Credentials first: nobody without them gets us to buffer a 60 MB body.
  app.use('/webhooks/kommo', rejectUnlessKommoToken(config));
  app.use('/webhooks/postmark', rejectUnlessPostmarkAuth(config));
  // Raw text on the webhook routes: we parse them ourselves and keep the bytes.
  const text = (limit: string) => express.text({ type: () => true, limit });
  app.use('/webhooks/kommo', text('20mb'));
  app.use('/webhooks/postmark/inbound', text('60mb'));
  app.use('/webhooks/postmark/events', text('2mb'));
  app.use('/webhooks', keepUnreadableBodies(app));
  app.use(express.json({ limit: '1mb' }));

  const origins = [
    `https://${config.KOMMO_SUBDOMAIN}.kommo.com`,
    ...(config.WIDGET_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  ];
  app.enableCors({
    origin: (
      origin: string | undefined,
      callback: (error: Error | null, allow?: string | boolean) => void,
    ) => callback(null, !origin || origins.includes(origin) ? origin || false : false),
    allowedHeaders: ['Content-Type', 'X-Auth-Token', 'Authorization'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  });

  app.useGlobalFilters(new ApiErrorFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kommo × Postmark')
      .setDescription('Admin API, widget API and health of the Kommo × Postmark service')
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' }, 'admin')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'kommo-widget')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}

type Middleware = (request: express.Request, response: express.Response, next: () => void) => void;

function rejectUnlessKommoToken(config: AppConfig): Middleware {
  return (request, response, next) => {
    const token = request.path.split('/')[1] ?? '';
    if (safeEqual(token, config.KOMMO_WEBHOOK_TOKEN)) return next();

    response.status(404).json({ code: 'not_found', message: 'Not found' });
  };
}

function rejectUnlessPostmarkAuth(config: AppConfig): Middleware {
  return (request, response, next) => {
    const { POSTMARK_WEBHOOK_USER, POSTMARK_WEBHOOK_PASSWORD } = config;
    if (
      hasBasicAuth(request.headers.authorization, POSTMARK_WEBHOOK_USER, POSTMARK_WEBHOOK_PASSWORD)
    ) {
      return next();
    }

    response.setHeader('WWW-Authenticate', 'Basic realm="postmark"');
    response.status(401).json({ code: 'unauthorized', message: 'Bad webhook credentials' });
  };
}

/**
 * A webhook body we cannot even read (unknown charset or encoding, broken gzip, too large)
 * is recorded and answered 200: the sender's retries would fail the same way.
 */
function keepUnreadableBodies(app: INestApplication) {
  return (
    error: unknown,
    request: express.Request,
    response: express.Response,
    next: (error?: unknown) => void,
  ) => {
    const status = (error as { status?: number; expose?: boolean })?.status;
    if (!status || status < 400 || status >= 500) return next(error);

    const reason = `unreadable body (${status}): ${(error as Error).message}`;
    const contentType = request.headers['content-type'];
    const described = `${reason}; content-type ${contentType ?? 'none'}`;
    const path = request.originalUrl.toLowerCase();
    const record = path.startsWith('/webhooks/kommo')
      ? app.get(StageIntakeService).accept('', contentType, reason)
      : path.startsWith('/webhooks/postmark/inbound')
        ? app.get(InboundService).store(described)
        : app.get(TrackingService).keepUnusable(described, reason);

    record.then(
      () => response.status(200).json({ ok: true, outcome: 'invalid', detail: reason }),
      (failure: unknown) => next(failure),
    );
  };
}
