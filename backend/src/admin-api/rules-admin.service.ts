import { Injectable } from '@nestjs/common';
import { StageRuleDto, StageRuleInput } from '@kp/shared';
import { ApiException } from '../common/api-error.filter';
import { KommoClient } from '../kommo/kommo.client';
import { PostmarkClient } from '../postmark/postmark.client';
import { StageRulesService } from '../sending/stage-rules.service';
import { StageRuleBody, StageRulePatch } from './dto/rules.dto';

/**
 * Stage rules as the operator edits them: checked against Kommo (the pipeline and stage
 * exist) and Postmark (the template exists) before they are stored, one rule per stage.
 */
@Injectable()
export class RulesAdminService {
  constructor(
    private readonly rules: StageRulesService,
    private readonly kommo: KommoClient,
    private readonly postmark: PostmarkClient,
  ) {}

  list(): Promise<StageRuleDto[]> {
    return this.rules.list();
  }

  async create(body: StageRuleBody): Promise<StageRuleDto> {
    const input: StageRuleInput = {
      pipelineId: body.pipelineId,
      statusId: body.statusId,
      templateAlias: body.templateAlias,
      enabled: body.enabled ?? true,
      resendPolicy: body.resendPolicy ?? 'once',
      note: body.note ?? null,
    };
    await this.assertStageFree(input);
    await this.assertKnown(input, { stage: true, template: true });

    return this.store(input, () => this.rules.create(input));
  }

  async update(id: number, body: StageRulePatch): Promise<StageRuleDto> {
    const current = await this.rules.get(id);
    if (!current) throw ruleNotFound(id);

    // Only what the request names changes; a rule whose template vanished can still be disabled.
    const patch = definedOnly(body) as Partial<StageRuleInput>;
    const merged = { ...current, ...patch };
    const stageChanged =
      merged.pipelineId !== current.pipelineId || merged.statusId !== current.statusId;
    if (stageChanged) await this.assertStageFree(merged, id);
    await this.assertKnown(merged, {
      stage: stageChanged,
      template: patch.templateAlias !== undefined && patch.templateAlias !== current.templateAlias,
    });

    const updated = await this.store(merged, () => this.rules.update(id, patch));
    if (!updated) throw ruleNotFound(id);

    return updated;
  }

  async remove(id: number): Promise<void> {
    if (!(await this.rules.remove(id))) throw ruleNotFound(id);
  }

  private async assertStageFree(rule: StageRuleInput, exceptId?: number): Promise<void> {
    const taken = (await this.rules.list()).find(
      (other) =>
        other.id !== exceptId &&
        other.pipelineId === rule.pipelineId &&
        other.statusId === rule.statusId,
    );
    if (taken) throw duplicate(rule, taken.id);
  }

  private async assertKnown(
    rule: StageRuleInput,
    check: { stage: boolean; template: boolean },
  ): Promise<void> {
    const fields: Record<string, string> = {};

    if (check.stage) {
      const pipeline = (await this.kommo.getPipelines()).find(
        (item) => item.id === rule.pipelineId,
      );
      const stages = pipeline?._embedded?.statuses ?? [];
      if (!pipeline) {
        fields.pipelineId = `Kommo has no pipeline ${rule.pipelineId}`;
      } else if (!stages.some((stage) => stage.id === rule.statusId)) {
        const name = `"${pipeline.name}" (${pipeline.id})`;
        fields.statusId = `pipeline ${name} has no stage ${rule.statusId}`;
      }
    }

    if (check.template) {
      const templates = await this.postmark.listTemplates();
      const known = templates.some(
        (template) => template.type === 'Standard' && template.alias === rule.templateAlias,
      );
      if (!known) {
        fields.templateAlias = `the Postmark server has no template "${rule.templateAlias}"`;
      }
    }

    if (Object.keys(fields).length > 0) {
      throw new ApiException(
        422,
        'unknown_reference',
        'Kommo or Postmark does not know what this rule refers to',
        fields,
      );
    }
  }

  /** The database has the last word on uniqueness when two requests race. */
  private async store<T>(rule: StageRuleInput, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(rule);
      throw error;
    }
  }
}

function ruleNotFound(id: number): ApiException {
  return new ApiException(404, 'rule_not_found', `No stage rule ${id}`);
}

function duplicate(rule: StageRuleInput, existingId?: number): ApiException {
  const which = existingId ? ` (rule ${existingId})` : '';

  return new ApiException(
    409,
    'rule_exists',
    `Pipeline ${rule.pipelineId} stage ${rule.statusId} already has a rule${which}; edit that one`,
    { statusId: 'this stage already has a rule' },
  );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined),
  ) as Partial<T>;
}

function isUniqueViolation(error: unknown): boolean {
  const failure = error as { code?: string; message?: string };

  // 23505: PostgreSQL unique_violation; SQLite names the constraint in its message.
  return (
    failure?.code === '23505' ||
    failure?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/i.test(failure?.message ?? '')
  );
}
