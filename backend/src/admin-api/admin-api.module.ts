import { Module } from '@nestjs/common';
import { AdminKeyGuard } from './admin-key.guard';
import { KommoAdminService } from './kommo-admin.service';
import { KommoController } from './kommo.controller';
import { MessagesAdminService } from './messages-admin.service';
import { MessagesController } from './messages.controller';
import { RepliesAdminService } from './replies-admin.service';
import { RepliesController } from './replies.controller';
import { RulesAdminService } from './rules-admin.service';
import { RulesController } from './rules.controller';
import { SetupController } from './setup.controller';
import { TemplatesAdminService } from './templates-admin.service';
import { TemplatesController } from './templates.controller';
import { UpstreamErrorsInterceptor } from '../common/upstream-errors.interceptor';
import { WebhookSetupService } from './webhook-setup.service';

/** The operator's REST API under /api/v1, behind ADMIN_API_KEY. */
@Module({
  controllers: [
    RulesController,
    MessagesController,
    TemplatesController,
    RepliesController,
    KommoController,
    SetupController,
  ],
  providers: [
    AdminKeyGuard,
    UpstreamErrorsInterceptor,
    RulesAdminService,
    MessagesAdminService,
    TemplatesAdminService,
    RepliesAdminService,
    KommoAdminService,
    WebhookSetupService,
  ],
  exports: [WebhookSetupService],
})
export class AdminApiModule {}
