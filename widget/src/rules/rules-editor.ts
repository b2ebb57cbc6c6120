import type { ResendPolicy, TemplateSummary } from '@kp/shared';

import { type ApiFailure, toApiFailure } from '../api/api-failure';
import type { BackendClient } from '../api/backend-client';
import type { Translate } from '../i18n/translator';
import { type Banner, failureBanner, renderBanner } from '../ui/banner';
import { h, option, replaceChildren } from '../ui/dom';
import { buildRulesModel, type RuleRow, type RulesModel, toRuleInputs } from './rules-model';

export interface RulesEditorOptions {
  root: HTMLElement;
  client: BackendClient | null;
  baseUrl: string;
  t: Translate;
}

const RESEND_POLICIES: ResendPolicy[] = ['once', 'every_entry'];

/**
 * The advanced-settings page: one row per pipeline stage with the template to send when a
 * lead enters it. Changes stay local until Save sends the whole set to the backend.
 */
export class RulesEditor {
  private model: RulesModel | null = null;
  private templates: TemplateSummary[] = [];
  private failure: ApiFailure | null = null;
  private notice: Banner | null = null;
  private dirty = false;
  private saving = false;
  private destroyed = false;

  private readonly bannerBox = h('div', { class: 'kp-banners' });
  private readonly body = h('div');

  constructor(private readonly options: RulesEditorOptions) {}

  mount(): void {
    const { root, t } = this.options;

    root.classList.add('kp-rules');
    root.setAttribute('data-testid', 'kp-rules');
    replaceChildren(
      root,
      h('h2', { text: t('rules.title') }),
      h('p', { class: 'kp-muted', text: t('rules.intro') }),
      this.bannerBox,
      this.body,
    );

    this.render();
    void this.load();
  }

  destroy(): void {
    this.destroyed = true;
  }

  private async load(): Promise<void> {
    const client = this.options.client;
    if (!client) return;

    this.failure = null;

    try {
      const response = await client.rules();
      this.templates = response.templates;
      this.model = buildRulesModel(response);
      this.dirty = false;
    } catch (error) {
      this.failure = toApiFailure(error);
    }

    if (!this.destroyed) this.render();
  }

  private async save(): Promise<void> {
    const { client, t } = this.options;
    if (!client || !this.model || this.saving) return;

    this.saving = true;
    this.failure = null;
    this.notice = null;
    this.render();

    try {
      const response = await client.saveRules(toRuleInputs(this.model));
      this.templates = response.templates;
      this.model = buildRulesModel(response);
      this.dirty = false;
      this.notice = { state: 'saved', tone: 'success', text: t('rules.saved') };
    } catch (error) {
      this.failure = toApiFailure(error);
    }

    this.saving = false;
    if (!this.destroyed) this.render();
  }

  private changed(): void {
    this.dirty = true;
    this.notice = null;
    this.render();
  }

  private render(): void {
    this.renderBanners();
    this.renderBody();
  }

  private renderBanners(): void {
    const { t, client, baseUrl } = this.options;
    const banners: Banner[] = [];

    if (!client)
      banners.push({ state: 'not_configured', tone: 'warning', text: t('state.not_configured') });

    if (this.failure?.kind === 'forbidden') {
      banners.push({ state: 'forbidden', tone: 'error', text: t('rules.admins_only') });
    } else if (this.failure) {
      const retry = this.model
        ? undefined
        : { label: t('sidebar.retry'), run: () => void this.load() };
      banners.push(failureBanner(t, this.failure, baseUrl, retry));
    }

    if (this.model && this.model.pipelines.length === 0) {
      banners.push({ state: 'no_pipelines', tone: 'warning', text: t('rules.no_pipelines') });
    }

    if (this.dirty) banners.push({ state: 'unsaved', tone: 'info', text: t('rules.unsaved') });
    if (this.notice) banners.push(this.notice);

    replaceChildren(this.bannerBox, ...banners.map(renderBanner));
  }

  private renderBody(): void {
    const { t, client } = this.options;
    const model = this.model;

    if (!model) {
      const loading = client && !this.failure;
      replaceChildren(
        this.body,
        loading ? h('p', { class: 'kp-muted', text: t('sidebar.loading') }) : null,
      );

      return;
    }

    const sections = model.pipelines.map((pipeline) =>
      h(
        'section',
        { attrs: { 'data-pipeline-id': pipeline.pipelineId } },
        h('h3', { text: pipeline.name }),
        this.table(pipeline.rows, false),
      ),
    );

    const orphans = model.orphans.length
      ? h('section', {}, h('h3', { text: t('rules.orphans') }), this.table(model.orphans, true))
      : null;

    const saveButton = h('button', {
      class: 'kp-btn kp-btn--primary',
      testid: 'kp-rules-save',
      text: t(this.saving ? 'rules.saving' : 'rules.save'),
      attrs: { type: 'button', disabled: this.saving },
      on: { click: () => void this.save() },
    });

    replaceChildren(
      this.body,
      ...sections,
      orphans,
      h('div', { class: 'kp-rules-footer' }, saveButton),
    );
  }

  private table(rows: RuleRow[], orphan: boolean): HTMLElement {
    const { t } = this.options;

    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { text: t('rules.stage') }),
          h('th', { text: t('rules.template') }),
          h('th', { text: t('rules.enabled') }),
          h('th', { text: t('rules.resend') }),
          orphan ? h('th') : null,
        ),
      ),
      h('tbody', {}, ...rows.map((row) => this.row(row, orphan))),
    );
  }

  private row(row: RuleRow, orphan: boolean): HTMLElement {
    const { t } = this.options;
    const stageLabel = orphan
      ? t('rules.orphan_stage', { pipeline: row.pipelineId, stage: row.statusId })
      : row.stageName;

    const template = h('select', {
      testid: 'kp-rule-template',
      on: {
        change: () => {
          row.templateAlias = template.value;
          this.changed();
        },
      },
    });
    template.append(option('', t('rules.no_template'), row.templateAlias === ''));
    template.append(
      ...this.templates.map((item) =>
        option(item.alias, item.name, item.alias === row.templateAlias),
      ),
    );

    const known = this.templates.some((item) => item.alias === row.templateAlias);
    if (row.templateAlias && !known) {
      const label = t('rules.unknown_template', { alias: row.templateAlias });
      template.append(option(row.templateAlias, label, true));
    }

    const enabled = h('input', {
      testid: 'kp-rule-enabled',
      attrs: { type: 'checkbox', disabled: row.templateAlias === '' },
      on: {
        change: () => {
          row.enabled = enabled.checked;
          this.changed();
        },
      },
    });
    enabled.checked = row.enabled && row.templateAlias !== '';

    const resend = h('select', {
      testid: 'kp-rule-resend',
      attrs: { disabled: row.templateAlias === '' },
      on: {
        change: () => {
          row.resendPolicy = resend.value as ResendPolicy;
          this.changed();
        },
      },
    });
    resend.append(
      ...RESEND_POLICIES.map((policy) =>
        option(policy, t(`rules.${policy}`), policy === row.resendPolicy),
      ),
    );

    const remove = orphan
      ? h('button', {
          class: 'kp-link',
          testid: 'kp-rule-remove',
          text: t('rules.remove'),
          attrs: { type: 'button' },
          on: { click: () => this.removeOrphan(row) },
        })
      : null;

    return h(
      'tr',
      {
        testid: 'kp-rule-row',
        attrs: {
          'data-pipeline-id': row.pipelineId,
          'data-status-id': row.statusId,
          'data-template': row.templateAlias,
        },
      },
      h('td', { text: stageLabel }),
      h('td', {}, template),
      h('td', {}, enabled),
      h('td', {}, resend),
      remove ? h('td', {}, remove) : null,
    );
  }

  private removeOrphan(row: RuleRow): void {
    if (!this.model) return;

    this.model.orphans = this.model.orphans.filter((candidate) => candidate !== row);
    this.changed();
  }
}
