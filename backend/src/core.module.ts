import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule } from './config/config.module';
import { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthController } from './health/health.controller';
import { MetricsService } from './health/metrics.service';
import { InboundController } from './inbound/inbound.controller';
import { InboundService } from './inbound/inbound.service';
import { KommoAuthService } from './kommo/kommo-auth.service';
import { KommoClient } from './kommo/kommo.client';
import { KommoWebhookController } from './kommo/kommo-webhook.controller';
import { KommoWritesService } from './kommo/kommo-writes.service';
import { LeadModelService } from './sending/lead-model.service';
import { loggerOptions } from './common/logging';
import { PostmarkClient } from './postmark/postmark.client';
import { MessagesRepository } from './sending/messages.repository';
import { SendBatchService } from './sending/send-batch.service';
import { SendWorker } from './sending/send-worker.service';
import { StageIntakeService } from './sending/stage-intake.service';
import { StageRulesService } from './sending/stage-rules.service';
import { StartupCheckService } from './sending/startup-check.service';
import { EventsController } from './tracking/events.controller';
import { TrackingService } from './tracking/tracking.service';
import { WorkerHooksService } from './sending/worker-hooks.service';

/** What the API modules use; the rest stays internal to the core. */
const SHARED = [
  MetricsService,
  KommoAuthService,
  KommoClient,
  KommoWritesService,
  PostmarkClient,
  StageRulesService,
  MessagesRepository,
  LeadModelService,
  SendWorker,
  InboundService,
  TrackingService,
  StartupCheckService,
];

/**
 * Everything the service runs on: config, database, the Kommo and Postmark clients, the
 * outbox and worker, inbound replies and tracking. API modules import it.
 */
@Global()
@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerOptions }),
    DatabaseModule,
  ],
  controllers: [KommoWebhookController, InboundController, EventsController, HealthController],
  providers: [...SHARED, StageIntakeService, SendBatchService, WorkerHooksService],
  exports: SHARED,
})
export class CoreModule {}
