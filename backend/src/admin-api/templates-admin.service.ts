import { Injectable } from '@nestjs/common';
import { ApiException } from '../common/api-error.filter';
import { PostmarkClient, TemplateInfo } from '../postmark/postmark.client';
import { PostmarkError } from '../postmark/postmark.errors';
import { LeadModelService } from '../sending/lead-model.service';
import { missingVariables } from '../sending/missing-variables';
import { StageRulesService } from '../sending/stage-rules.service';
import { PreviewView, TemplateView } from './dto/templates.dto';

/** Postmark's templates, and what one of them looks like for a given lead. */
@Injectable()
export class TemplatesAdminService {
  constructor(
    private readonly postmark: PostmarkClient,
    private readonly leads: LeadModelService,
    private readonly rules: StageRulesService,
  ) {}

  async list(): Promise<TemplateView[]> {
    const used = new Set(this.rules.aliases());
    const templates = await this.postmark.listTemplates();

    // Layouts only wrap other templates; they cannot be sent on their own.
    return templates
      .filter((template) => template.type === 'Standard')
      .map((template) => ({
        alias: template.alias,
        name: template.name,
        usedByRule: used.has(template.alias),
      }));
  }

  /** Renders without sending, with the model the worker would send to this lead. */
  async preview(alias: string, leadId: number, email?: string): Promise<PreviewView> {
    await this.standardTemplate(alias);

    const lead = await this.leads.modelForLead(leadId, email);
    if (!lead) throw new ApiException(404, 'lead_not_found', `Kommo has no lead ${leadId}`);
    if (email !== undefined && !lead.recipient) {
      throw new ApiException(422, 'unknown_reference', 'Not an address of this lead', {
        email: "not one of the addresses of the lead's main contact",
      });
    }

    const rendered = await this.postmark.render(alias, lead.model);

    return {
      subject: rendered.subject,
      htmlBody: rendered.htmlBody,
      textBody: rendered.textBody,
      missingVariables: missingVariables(rendered.suggestedModel, lead.model),
      valid: rendered.valid,
      errors: rendered.errors,
      recipient: lead.recipient,
      problem: lead.problem,
    };
  }

  private async standardTemplate(alias: string): Promise<TemplateInfo> {
    let template: TemplateInfo;
    try {
      template = await this.postmark.getTemplate(alias);
    } catch (error) {
      if (error instanceof PostmarkError && error.errorCode === 1101) throw templateNotFound(alias);
      throw error;
    }
    if (template.type !== 'Standard') throw templateNotFound(alias);

    return template;
  }
}

function templateNotFound(alias: string): ApiException {
  return new ApiException(404, 'template_not_found', `Postmark has no template "${alias}"`);
}
