import { Body, Controller, Get, Put, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { WidgetRulesResponse } from '@kp/shared';
import { UpstreamErrorsInterceptor } from '../common/upstream-errors.interceptor';
import { AdminOnly, CurrentWidgetUser, WidgetAuthGuard } from './widget-auth.guard';
import { ReplaceRulesDto, widgetBody } from './widget.dto';
import { WidgetRulesService } from './widget-rules.service';
import { WidgetUser } from './widget-token';

/** The advanced settings page: stage rules, for Kommo account administrators only. */
@ApiTags('widget')
@ApiSecurity('kommo-widget')
@Controller('widget/rules')
@UseGuards(WidgetAuthGuard)
@UseInterceptors(UpstreamErrorsInterceptor)
@AdminOnly()
export class WidgetRulesController {
  constructor(private readonly rules: WidgetRulesService) {}

  @Get()
  @ApiOperation({ summary: "Stage rules with Kommo's pipelines and the templates to choose from" })
  overview(): Promise<WidgetRulesResponse> {
    return this.rules.overview();
  }

  @Put()
  @ApiOperation({ summary: 'Replace every stage rule at once' })
  replace(
    @Body(widgetBody) body: ReplaceRulesDto,
    @CurrentWidgetUser() user: WidgetUser,
  ): Promise<WidgetRulesResponse> {
    return this.rules.replace(body.rules, user);
  }
}
