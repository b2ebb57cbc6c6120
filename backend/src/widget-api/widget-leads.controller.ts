import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  LeadMessagesResponse,
  LeadRecipientsResponse,
  PreviewResponse,
  SendResponse,
  TemplateSummary,
} from '@kp/shared';
import { Response } from 'express';
import { LeadModelService } from '../sending/lead-model.service';
import { findLead } from './lead-lookup';
import { LeadMessagesService } from './lead-messages.service';
import { UpstreamErrorsInterceptor } from '../common/upstream-errors.interceptor';
import { CurrentWidgetUser, WidgetAuthGuard } from './widget-auth.guard';
import { LeadIdPipe, PreviewRequestDto, SendRequestDto, widgetBody } from './widget.dto';
import { WidgetSendService } from './widget-send.service';
import { WidgetTemplatesService } from './widget-templates.service';
import { WidgetUser } from './widget-token';

/** What the lead card's sidebar calls: templates, a lead's addresses and emails, preview, send. */
@ApiTags('widget')
@ApiSecurity('kommo-widget')
@Controller('widget')
@UseGuards(WidgetAuthGuard)
@UseInterceptors(UpstreamErrorsInterceptor)
export class WidgetLeadsController {
  constructor(
    private readonly templates: WidgetTemplatesService,
    private readonly leads: LeadModelService,
    private readonly leadMessages: LeadMessagesService,
    private readonly sender: WidgetSendService,
  ) {}

  @Get('templates')
  @ApiOperation({ summary: 'Standard templates of the Postmark server, rule templates first' })
  templatesList(): Promise<TemplateSummary[]> {
    return this.templates.list();
  }

  @Get('leads/:leadId/recipients')
  @ApiOperation({ summary: "The addresses of the lead's main contact" })
  async recipients(@Param('leadId', LeadIdPipe) leadId: number): Promise<LeadRecipientsResponse> {
    const { recipients, problem } = await findLead(this.leads, leadId);

    return { leadId, recipients, problem };
  }

  @Get('leads/:leadId/messages')
  @ApiOperation({ summary: "The lead's emails, newest first, with their event timelines" })
  async messages(@Param('leadId', LeadIdPipe) leadId: number): Promise<LeadMessagesResponse> {
    return { leadId, messages: await this.leadMessages.forLead(leadId) };
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: "A template rendered with the lead's data, nothing sent" })
  preview(@Body(widgetBody) request: PreviewRequestDto): Promise<PreviewResponse> {
    return this.templates.preview(request);
  }

  @Post('send')
  @ApiOperation({ summary: 'Queue a template email to the lead; one email per requestId' })
  async send(
    @Body(widgetBody) request: SendRequestDto,
    @CurrentWidgetUser() user: WidgetUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SendResponse> {
    const result = await this.sender.send(request, user);

    response.status(result.created ? 201 : 200);

    return { message: result.message };
  }
}
