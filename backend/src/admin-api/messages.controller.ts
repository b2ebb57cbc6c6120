import { Body, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Response } from 'express';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import {
  ManualSendBody,
  MessageDetail,
  MessageListQuery,
  MessagePage,
  ResendBody,
} from './dto/messages.dto';
import { MessagesAdminService } from './messages-admin.service';

@AdminController('', 'admin: messages')
export class MessagesController {
  constructor(private readonly messages: MessagesAdminService) {}

  @Get('messages')
  @ApiOperation({ summary: 'Emails, newest first, filtered and paged with an opaque cursor' })
  @ApiOkResponse({ type: MessagePage })
  @ApiErrors(400)
  list(@Query() query: MessageListQuery): Promise<MessagePage> {
    return this.messages.list(query);
  }

  @Get('messages/:id')
  @ApiOperation({ summary: 'One email with its timeline of Postmark events' })
  @ApiOkResponse({ type: MessageDetail })
  @ApiErrors(404)
  detail(@Param('id') id: string): Promise<MessageDetail> {
    return this.messages.detail(id);
  }

  @Post('messages/:id/resend')
  @ApiOperation({
    summary: 'Queue the same template to the same lead again, as a new email',
    description:
      'The original keeps its status. Without email, the lead’s default address is used.',
  })
  @ApiCreatedResponse({ type: MessageDetail })
  @ApiErrors(400, 404, 409, 422)
  resend(@Param('id') id: string, @Body() body: ResendBody): Promise<MessageDetail> {
    return this.messages.resend(id, body?.email);
  }

  @Post('send')
  @ApiOperation({
    summary: 'Queue a template to a lead by hand',
    description: 'Repeating a requestId answers 200 with the email it queued the first time.',
  })
  @ApiCreatedResponse({ type: MessageDetail, description: 'Queued' })
  @ApiOkResponse({ type: MessageDetail, description: 'Already queued under this requestId' })
  @ApiErrors(400, 409, 422)
  async send(
    @Body() body: ManualSendBody,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageDetail> {
    const { created, message } = await this.messages.send(body);
    response.status(created ? 201 : 200);

    return message;
  }
}
