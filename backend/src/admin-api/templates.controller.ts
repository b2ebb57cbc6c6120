import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import { PreviewQuery, PreviewView, TemplateList } from './dto/templates.dto';
import { TemplatesAdminService } from './templates-admin.service';

@AdminController('templates', 'admin: templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesAdminService) {}

  @Get()
  @ApiOperation({ summary: "The Postmark server's standard templates (layouts left out)" })
  @ApiOkResponse({ type: TemplateList })
  async list(): Promise<TemplateList> {
    return { items: await this.templates.list() };
  }

  @Get(':alias/preview')
  @ApiOperation({
    summary: 'Render a template for a lead without sending',
    description: 'missingVariables names the template variables this lead leaves empty.',
  })
  @ApiOkResponse({ type: PreviewView })
  @ApiErrors(400, 404, 422)
  preview(@Param('alias') alias: string, @Query() query: PreviewQuery): Promise<PreviewView> {
    return this.templates.preview(alias, query.leadId, query.email);
  }
}
