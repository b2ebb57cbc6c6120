import type { WidgetRulesResponse } from '@kp/shared';

import { buildRulesModel, toRuleInputs } from './rules-model';

const response: WidgetRulesResponse = {
  pipelines: [
    {
      id: 10,
      name: 'Sales',
      stages: [
        { id: 100, name: 'New' },
        { id: 142, name: 'Won' },
      ],
    },
    { id: 20, name: 'Partners', stages: [{ id: 142, name: 'Won' }] },
  ],
  rules: [
    {
      id: 1,
      pipelineId: 10,
      statusId: 142,
      templateAlias: 'deal-won',
      enabled: true,
      resendPolicy: 'once',
      note: 'from env',
    },
    {
      id: 2,
      pipelineId: 99,
      statusId: 5,
      templateAlias: 'old',
      enabled: false,
      resendPolicy: 'every_entry',
      note: null,
    },
  ],
  templates: [{ alias: 'deal-won', name: 'Deal won', usedByRule: true }],
};

describe('buildRulesModel', () => {
  it('gives every stage a row and keys rules by pipeline and stage, not stage alone', () => {
    const model = buildRulesModel(response);

    expect(model.pipelines.map((p) => p.rows.map((r) => [r.statusId, r.templateAlias]))).toEqual([
      [
        [100, ''],
        [142, 'deal-won'],
      ],
      [[142, '']],
    ]);
  });

  it('keeps rules whose stage no longer exists apart', () => {
    expect(buildRulesModel(response).orphans.map((row) => row.templateAlias)).toEqual(['old']);
  });
});

describe('toRuleInputs', () => {
  it('saves rows with a template, including orphans, and drops cleared rows', () => {
    const model = buildRulesModel(response);
    model.pipelines[0].rows[0].templateAlias = 'welcome';
    model.pipelines[0].rows[0].resendPolicy = 'every_entry';
    model.pipelines[0].rows[1].templateAlias = '';

    expect(toRuleInputs(model)).toEqual([
      {
        pipelineId: 10,
        statusId: 100,
        templateAlias: 'welcome',
        enabled: true,
        resendPolicy: 'every_entry',
        note: null,
      },
      {
        pipelineId: 99,
        statusId: 5,
        templateAlias: 'old',
        enabled: false,
        resendPolicy: 'every_entry',
        note: null,
      },
    ]);
  });
});
