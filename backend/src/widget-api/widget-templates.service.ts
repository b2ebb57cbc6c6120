import { Injectable } from '@nestjs/common';
import { PreviewRequest, PreviewResponse, TemplateSummary } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { PostmarkClient, RenderedTemplate } from '../postmark/postmark.client';
import { PostmarkError } from '../postmark/postmark.errors';
import { LeadModelService } from '../sending/lead-model.service';
import { missingVariables } from '../sending/missing-variables';
import { StageRulesService } from '../sending/stage-rules.service';
import { findLead } from './lead-lookup';

// Template not found (1101) and template field problems (1120–1123).
const TEMPLATE_ERROR_CODES = new Set([1101, 1120, 1121, 1122, 1123]);

/** Postmark's 422 on validation, or a template code: the template is at fault, not the service. */
function isTemplateProblem(error: unknown): error is PostmarkError {
  if (!(error instanceof PostmarkError)) return false;

  return error.httpStatus === 422 || TEMPLATE_ERROR_CODES.has(error.errorCode ?? 0);
}

/** The Postmark server's templates as the widget lists them, and previews filled for a lead. */
@Injectable()
export class WidgetTemplatesService {
  constructor(
    private readonly postmark: PostmarkClient,
    private readonly rules: StageRulesService,
    private readonly leads: LeadModelService,
  ) {}

  /** Standard templates only (layouts cannot be sent), the ones stage rules use first. */
  async list(): Promise<TemplateSummary[]> {
    const templates = await this.postmark.listTemplates();
    const usedByRule = new Set(this.rules.aliases());

    return templates
      .filter((template) => template.type === 'Standard')
      .map((template) => ({
        alias: template.alias,
        name: template.name,
        usedByRule: usedByRule.has(template.alias),
      }))
      .sort((a, b) => Number(b.usedByRule) - Number(a.usedByRule) || a.name.localeCompare(b.name));
  }

  async preview(request: PreviewRequest): Promise<PreviewResponse> {
    const { model } = await findLead(this.leads, request.leadId);
    const rendered = await this.render(request.templateAlias, model);

    return {
      subject: rendered.subject,
      htmlBody: rendered.htmlBody,
      textBody: rendered.textBody,
      missingVariables: missingVariables(rendered.suggestedModel, model),
      valid: rendered.valid,
      errors: rendered.errors,
    };
  }

  private async render(alias: string, model: Record<string, unknown>): Promise<RenderedTemplate> {
    try {
      return await this.postmark.render(alias, model);
    } catch (error) {
      if (isTemplateProblem(error)) {
        throw new ApiException(422, 'template_error', `Template "${alias}": ${error.message}`);
      }

      throw error;
    }
  }
}
