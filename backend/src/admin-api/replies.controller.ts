import { Body, HttpCode, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import { PositiveIntPipe } from './admin-validation.pipe';
import { AssignBody, ReplyListQuery, ReplyPage, ReplyView } from './dto/replies.dto';
import { RepliesAdminService } from './replies-admin.service';

@AdminController('replies', 'admin: replies')
export class RepliesController {
  constructor(private readonly replies: RepliesAdminService) {}

  @Get('unmatched')
  @ApiOperation({ summary: 'Client replies no lead could be found for, oldest first' })
  @ApiOkResponse({ type: ReplyPage })
  @ApiErrors(400)
  list(@Query() query: ReplyListQuery): Promise<ReplyPage> {
    return this.replies.listUnmatched(query.cursor, query.limit);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give a reply to a lead; its text is written as a note on the lead' })
  @ApiOkResponse({ type: ReplyView })
  @ApiErrors(400, 404, 409, 422)
  assign(@Param('id', PositiveIntPipe) id: number, @Body() body: AssignBody): Promise<ReplyView> {
    return this.replies.assign(id, body.leadId);
  }
}
