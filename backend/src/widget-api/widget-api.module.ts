import { Module } from '@nestjs/common';
import { LeadMessagesService } from './lead-messages.service';
import { WidgetLeadsController } from './widget-leads.controller';
import { WidgetRulesController } from './widget-rules.controller';
import { WidgetRulesService } from './widget-rules.service';
import { WidgetSendService } from './widget-send.service';
import { WidgetTemplatesService } from './widget-templates.service';
import { WidgetTokenService } from './widget-token.service';

/**
 * The API the Kommo widget calls (`/widget/...`), authenticated by Kommo's X-Auth-Token.
 * Everything it reads and writes goes through CoreModule's clients and repositories.
 */
@Module({
  controllers: [WidgetLeadsController, WidgetRulesController],
  providers: [
    WidgetTokenService,
    LeadMessagesService,
    WidgetTemplatesService,
    WidgetSendService,
    WidgetRulesService,
  ],
})
export class WidgetApiModule {}
