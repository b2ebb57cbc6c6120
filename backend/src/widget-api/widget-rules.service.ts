import { Injectable, Logger } from '@nestjs/common';
import { KommoPipeline, StageRuleInput, TemplateSummary, WidgetRulesResponse } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { KommoClient } from '../kommo/kommo.client';
import { StageRulesService } from '../sending/stage-rules.service';
import { WidgetTemplatesService } from './widget-templates.service';
import { WidgetUser } from './widget-token';

/** The stage rules editor's data: the rules, Kommo's pipelines and the templates to pick. */
@Injectable()
export class WidgetRulesService {
  private readonly logger = new Logger(WidgetRulesService.name);

  constructor(
    private readonly rules: StageRulesService,
    private readonly kommo: KommoClient,
    private readonly templates: WidgetTemplatesService,
  ) {}

  async overview(): Promise<WidgetRulesResponse> {
    const [rules, pipelines, templates] = await Promise.all([
      this.rules.list(),
      this.pipelines(),
      this.templates.list(),
    ]);

    return { rules, pipelines, templates };
  }

  /** Saves the editor's whole rule set at once, after checking it makes sense. */
  async replace(inputs: StageRuleInput[], user: WidgetUser): Promise<WidgetRulesResponse> {
    rejectProblems(inputs, await this.templates.list());

    await this.rules.replaceAll(inputs);
    this.logger.log(
      `user ${user.userId ?? '?'} saved the stage rules from the widget: ${inputs.length} rule(s)`,
    );

    return this.overview();
  }

  private async pipelines(): Promise<KommoPipeline[]> {
    const raw = await this.kommo.getPipelines();

    return raw.map((pipeline) => ({
      id: pipeline.id,
      name: pipeline.name,
      stages: [...pipeline._embedded.statuses]
        .sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0))
        .map((status) => ({ id: status.id, name: status.name })),
    }));
  }
}

/**
 * One rule per stage, and enabled rules only with a template the Postmark server has. A
 * disabled rule may keep a template that is gone, so an admin can switch it off and save.
 * Stages Kommo no longer lists are kept: the editor shows them and saves them back.
 */
function rejectProblems(inputs: StageRuleInput[], templates: TemplateSummary[]): void {
  const fields: Record<string, string> = {};
  const known = new Set(templates.map((template) => template.alias));
  const seen = new Set<string>();

  inputs.forEach((input, index) => {
    const stage = `${input.pipelineId}:${input.statusId}`;

    if (seen.has(stage)) {
      fields[`rules.${index}`] =
        `a second rule for pipeline ${input.pipelineId}, stage ${input.statusId}`;
    }
    seen.add(stage);

    if (input.enabled && !known.has(input.templateAlias)) {
      fields[`rules.${index}.templateAlias`] =
        `"${input.templateAlias}" is not a template on the Postmark server`;
    }
  });

  const problems = Object.values(fields);
  if (problems.length > 0) {
    throw new ApiException(
      422,
      'invalid_rules',
      `Stage rules not saved: ${problems.join('; ')}.`,
      fields,
    );
  }
}
