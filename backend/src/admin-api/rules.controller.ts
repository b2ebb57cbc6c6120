import { Body, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import { PositiveIntPipe } from './admin-validation.pipe';
import { StageRuleBody, StageRuleList, StageRulePatch, StageRuleView } from './dto/rules.dto';
import { RulesAdminService } from './rules-admin.service';

@AdminController('rules', 'admin: stage rules')
export class RulesController {
  constructor(private readonly rules: RulesAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'Every stage rule: which template goes out when a lead enters which stage',
  })
  @ApiOkResponse({ type: StageRuleList })
  async list(): Promise<StageRuleList> {
    return { items: await this.rules.list() };
  }

  @Post()
  @ApiOperation({
    summary: 'Add a rule; the stage must exist in Kommo and the template in Postmark',
  })
  @ApiCreatedResponse({ type: StageRuleView })
  @ApiErrors(400, 409, 422)
  create(@Body() body: StageRuleBody): Promise<StageRuleView> {
    return this.rules.create(body);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a rule; only the fields sent change, and only those are checked',
  })
  @ApiOkResponse({ type: StageRuleView })
  @ApiErrors(400, 404, 409, 422)
  update(
    @Param('id', PositiveIntPipe) id: number,
    @Body() body: StageRulePatch,
  ): Promise<StageRuleView> {
    return this.rules.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a rule; emails already queued still go out' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 404)
  async remove(@Param('id', PositiveIntPipe) id: number): Promise<void> {
    await this.rules.remove(id);
  }
}
