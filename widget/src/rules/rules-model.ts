import type { ResendPolicy, StageRuleDto, StageRuleInput, WidgetRulesResponse } from '@kp/shared';

/** One line of the editor: a stage and the rule on it, if any (templateAlias '' means none). */
export interface RuleRow {
  key: string;
  pipelineId: number;
  statusId: number;
  stageName: string;
  templateAlias: string;
  enabled: boolean;
  resendPolicy: ResendPolicy;
  note: string | null;
}

export interface PipelineSection {
  pipelineId: number;
  name: string;
  rows: RuleRow[];
}

export interface RulesModel {
  pipelines: PipelineSection[];
  /** Rules whose stage is gone from Kommo; kept (and saved back) until someone removes them. */
  orphans: RuleRow[];
}

function rowFromRule(rule: StageRuleDto, stageName: string): RuleRow {
  return {
    key: `rule-${rule.id}`,
    pipelineId: rule.pipelineId,
    statusId: rule.statusId,
    stageName,
    templateAlias: rule.templateAlias,
    enabled: rule.enabled,
    resendPolicy: rule.resendPolicy,
    note: rule.note,
  };
}

function emptyRow(pipelineId: number, statusId: number, stageName: string): RuleRow {
  return {
    key: `stage-${pipelineId}-${statusId}`,
    pipelineId,
    statusId,
    stageName,
    templateAlias: '',
    enabled: true,
    resendPolicy: 'once',
    note: null,
  };
}

/** Lays the rules out the way Kommo shows pipelines: every stage gets a row, rule or not. */
export function buildRulesModel(response: WidgetRulesResponse): RulesModel {
  const claimed = new Set<number>();

  const pipelines = response.pipelines.map((pipeline) => ({
    pipelineId: pipeline.id,
    name: pipeline.name,
    rows: pipeline.stages.flatMap((stage) => {
      const rules = response.rules.filter(
        (rule) => rule.pipelineId === pipeline.id && rule.statusId === stage.id,
      );
      rules.forEach((rule) => claimed.add(rule.id));

      return rules.length
        ? rules.map((rule) => rowFromRule(rule, stage.name))
        : [emptyRow(pipeline.id, stage.id, stage.name)];
    }),
  }));

  const orphans = response.rules
    .filter((rule) => !claimed.has(rule.id))
    .map((rule) => rowFromRule(rule, String(rule.statusId)));

  return { pipelines, orphans };
}

/** What PUT /widget/rules takes: every row that names a template. */
export function toRuleInputs(model: RulesModel): StageRuleInput[] {
  const rows = [...model.pipelines.flatMap((pipeline) => pipeline.rows), ...model.orphans];

  return rows
    .filter((row) => row.templateAlias !== '')
    .map((row) => ({
      pipelineId: row.pipelineId,
      statusId: row.statusId,
      templateAlias: row.templateAlias,
      enabled: row.enabled,
      resendPolicy: row.resendPolicy,
      note: row.note,
    }));
}
