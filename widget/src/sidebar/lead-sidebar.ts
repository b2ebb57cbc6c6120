import type {
  LeadMessageDto,
  LeadRecipientsResponse,
  MessageStatus,
  PreviewResponse,
  TemplateSummary,
} from '@kp/shared';

import { ApiFailure, toApiFailure } from '../api/api-failure';
import type { BackendClient } from '../api/backend-client';
import type { Translate } from '../i18n/translator';
import { type Banner, failureBanner, renderBanner } from '../ui/banner';
import { h, option, replaceChildren } from '../ui/dom';
import { formatTime } from '../ui/format';
import {
  defaultRecipient,
  groupTemplates,
  sortMessages,
  timeline,
  upsertMessage,
} from './lead-data';
import { Poller } from './poller';
import { SendFlow } from './send-flow';

export interface LeadSidebarOptions {
  root: HTMLElement;
  /** Null when the widget has no backend URL yet. */
  client: BackendClient | null;
  baseUrl: string;
  leadId: number;
  t: Translate;
  pollIntervalMs?: number;
}

const STATUS_KEYS: Record<MessageStatus, `status.${MessageStatus}`> = {
  queued: 'status.queued',
  sending: 'status.sending',
  sent: 'status.sent',
  delivered: 'status.delivered',
  opened: 'status.opened',
  clicked: 'status.clicked',
  bounced: 'status.bounced',
  complained: 'status.complained',
  suppressed: 'status.suppressed',
  failed: 'status.failed',
};

function isStatus(value: string): value is MessageStatus {
  return Object.prototype.hasOwnProperty.call(STATUS_KEYS, value);
}

/**
 * The lead card's right-hand panel: the lead's emails with their delivery state, and a
 * composer to preview and send a template. It keeps its own state and redraws the parts
 * that changed; the messages refresh on a timer until Kommo destroys the widget.
 */
export class LeadSidebar {
  private templates: TemplateSummary[] | null = null;
  private recipients: LeadRecipientsResponse | null = null;
  private messages: LeadMessageDto[] | null = null;
  private selectedAlias = '';
  private selectedEmail = '';
  private preview: PreviewResponse | null = null;
  private previewBusy = false;
  private loadFailure: ApiFailure | null = null;
  private actionFailure: ApiFailure | null = null;
  private notice: Banner | null = null;
  private readonly expanded = new Set<string>();
  private readonly justSent = new Map<string, LeadMessageDto>();
  private readonly sendFlow = new SendFlow();
  private readonly poller: Poller;
  private destroyed = false;
  private renderedMessagesKey = '';

  private readonly bannerBox = h('div', { class: 'kp-banners' });
  private readonly composerBox = h('div', { class: 'kp-composer' });
  private readonly confirmBox = h('div', { class: 'kp-confirm', testid: 'kp-confirm' });
  private readonly previewBox = h('div', { class: 'kp-preview', testid: 'kp-preview' });
  private readonly messagesTitle = h('div', { class: 'kp-muted' });
  private readonly messageList = h('ul', { class: 'kp-messages', testid: 'kp-messages' });
  private readonly templateSelect = h('select', {
    testid: 'kp-template-select',
    attrs: { id: 'kp-template-select' },
    on: { change: () => this.onTemplateChange() },
  });
  private readonly recipientBox = h('div', { class: 'kp-field' });
  private readonly previewButton = h('button', {
    class: 'kp-btn',
    testid: 'kp-preview-button',
    attrs: { type: 'button' },
    on: { click: () => void this.onPreview() },
  });
  private readonly sendButton = h('button', {
    class: 'kp-btn kp-btn--primary',
    testid: 'kp-send-button',
    attrs: { type: 'button' },
    on: { click: () => this.onSend() },
  });
  private renderedRecipients: LeadRecipientsResponse | null = null;
  private renderedPreview: PreviewResponse | null | undefined;
  private renderedConfirmKey = '';

  constructor(private readonly options: LeadSidebarOptions) {
    this.poller = new Poller(() => this.refresh(), options.pollIntervalMs ?? 5000);
  }

  mount(): void {
    const { root, t } = this.options;

    this.messagesTitle.textContent = t('sidebar.messages');
    root.setAttribute('data-lead-id', String(this.options.leadId));
    replaceChildren(
      root,
      this.bannerBox,
      this.composerBox,
      this.confirmBox,
      this.previewBox,
      this.messagesTitle,
      this.messageList,
    );

    this.render();
    if (this.blockingBanner()) return;

    void this.refresh();
    this.poller.start();
  }

  destroy(): void {
    this.destroyed = true;
    this.poller.stop();
  }

  get polling(): boolean {
    return this.poller.running;
  }

  /** Loads what is still missing and the latest messages: at start, on every poll, on Retry. */
  private async refresh(): Promise<void> {
    const { client, leadId } = this.options;
    if (!client || this.destroyed) return;

    const needRecipients = !this.recipients || this.recipients.problem !== null;
    const [templates, recipients, messages] = await Promise.allSettled([
      this.templates ? Promise.resolve(this.templates) : client.templates(),
      needRecipients ? client.recipients(leadId) : Promise.resolve(this.recipients),
      client.messages(leadId),
    ]);

    if (this.destroyed) return;

    let failure: ApiFailure | null = null;

    if (templates.status === 'fulfilled') this.templates = templates.value;
    else failure = toApiFailure(templates.reason);

    if (recipients.status === 'fulfilled') this.acceptRecipients(recipients.value);
    else failure = failure ?? toApiFailure(recipients.reason);

    if (messages.status === 'fulfilled') this.messages = this.withJustSent(messages.value.messages);
    else failure = failure ?? toApiFailure(messages.reason);

    this.loadFailure = failure;
    this.render();
  }

  /**
   * A poll that left before a send finished answers without the new message; keep showing it
   * until the backend's list includes it, so it never blinks out of the list.
   */
  private withJustSent(fromBackend: LeadMessageDto[]): LeadMessageDto[] {
    let list = fromBackend;

    for (const sent of [...this.justSent.values()]) {
      if (list.some((message) => message.id === sent.id)) this.justSent.delete(sent.id);
      else list = [sent, ...list];
    }

    return sortMessages(list);
  }

  private acceptRecipients(response: LeadRecipientsResponse | null): void {
    if (!response) return;

    this.recipients = response;

    const stillListed = response.recipients.some((r) => r.email === this.selectedEmail);
    if (!stillListed) this.selectedEmail = defaultRecipient(response.recipients)?.email ?? '';
  }

  private onTemplateChange(): void {
    this.selectedAlias = this.templateSelect.value;
    this.preview = null;
    this.actionFailure = null;
    this.notice = null;
    this.sendFlow.cancel();
    this.render();
  }

  private onRecipientChange(select: HTMLSelectElement): void {
    this.selectedEmail = select.value;
    this.sendFlow.cancel();
    this.render();
  }

  private async onPreview(): Promise<void> {
    const { client, leadId } = this.options;
    const alias = this.selectedAlias;
    if (!client || !alias || this.previewBusy) return;

    this.previewBusy = true;
    this.actionFailure = null;
    this.notice = null;
    this.render();

    try {
      const preview = await client.preview({ leadId, templateAlias: alias });
      if (alias === this.selectedAlias) this.preview = preview;
    } catch (error) {
      if (alias === this.selectedAlias) {
        this.preview = null;
        this.actionFailure = toApiFailure(error);
      }
    }

    this.previewBusy = false;
    if (!this.destroyed) this.render();
  }

  private onSend(): void {
    if (!this.canSend()) return;

    this.sendFlow.open(this.selectedAlias, this.selectedEmail);
    this.actionFailure = null;
    this.notice = null;
    this.render();
  }

  private async onConfirm(button: HTMLButtonElement): Promise<void> {
    const { client, leadId, t } = this.options;
    if (!client) return;

    // Disable before the first await so a double click cannot reach the backend twice.
    button.disabled = true;
    this.actionFailure = null;

    try {
      const response = await this.sendFlow.confirm((pending) =>
        client.send({
          leadId,
          templateAlias: pending.templateAlias,
          email: pending.email,
          requestId: pending.requestId,
        }),
      );

      if (response) {
        this.justSent.set(response.message.id, response.message);
        this.messages = upsertMessage(this.messages ?? [], response.message);
        this.notice = {
          state: 'queued',
          tone: 'success',
          text: t('sidebar.queued_notice', { email: response.message.recipient ?? '' }),
        };
      }
    } catch (error) {
      this.actionFailure = toApiFailure(error);
    }

    // The button was disabled by hand above, so the confirm box must be drawn afresh.
    this.renderedConfirmKey = '';
    if (!this.destroyed) this.render();
  }

  private onCancel(): void {
    this.sendFlow.cancel();
    this.render();
  }

  private canSend(): boolean {
    const recipients = this.recipients;

    return (
      !!this.selectedAlias &&
      !!this.selectedEmail &&
      !!recipients &&
      recipients.problem === null &&
      !this.sendFlow.pending &&
      !this.sendFlow.inFlight
    );
  }

  /** A state in which the sidebar cannot talk to the backend at all. */
  private blockingBanner(): Banner | null {
    const { t, client, leadId } = this.options;

    if (!client)
      return { state: 'not_configured', tone: 'warning', text: t('state.not_configured') };

    if (leadId === 0) return { state: 'lead_unsaved', tone: 'info', text: t('state.lead_unsaved') };

    return null;
  }

  private render(): void {
    this.renderBanners();
    this.renderComposer();
    this.renderConfirm();
    this.renderPreview();
    this.renderMessages();
  }

  private renderBanners(): void {
    const { t, baseUrl } = this.options;
    const banners: Banner[] = [];
    const blocking = this.blockingBanner();

    if (blocking) banners.push(blocking);

    if (this.loadFailure) {
      const retry = { label: t('sidebar.retry'), run: () => void this.refresh() };
      banners.push(failureBanner(t, this.loadFailure, baseUrl, retry));
    }

    const problem = this.recipients?.problem;
    if (problem) banners.push({ state: problem, tone: 'warning', text: t(`state.${problem}`) });

    if (this.templates && this.templates.length === 0) {
      banners.push({ state: 'no_templates', tone: 'warning', text: t('state.no_templates') });
    }

    if (this.actionFailure) banners.push(failureBanner(t, this.actionFailure, baseUrl));

    if (this.preview && !this.preview.valid) {
      const message = this.preview.errors[0] ?? '';
      const banner = failureBanner(
        t,
        new ApiFailure('template_error', 200, null, message),
        baseUrl,
      );
      banners.push({ ...banner, details: this.preview.errors.slice(1) });
    }

    if (this.notice) banners.push(this.notice);

    replaceChildren(this.bannerBox, ...banners.map(renderBanner));
  }

  private renderComposer(): void {
    const { t } = this.options;

    if (!this.templates || this.templates.length === 0 || this.blockingBanner()) {
      replaceChildren(this.composerBox);

      return;
    }

    if (!this.composerBox.firstChild) {
      this.fillTemplateSelect(this.templates);
      replaceChildren(
        this.composerBox,
        h(
          'div',
          { class: 'kp-field' },
          h('label', { text: t('sidebar.template'), attrs: { for: 'kp-template-select' } }),
          this.templateSelect,
        ),
        this.recipientBox,
        h('div', { class: 'kp-actions' }, this.previewButton, this.sendButton),
      );
    }

    this.renderRecipients();

    this.previewButton.textContent = t(this.previewBusy ? 'sidebar.previewing' : 'sidebar.preview');
    this.previewButton.disabled = !this.selectedAlias || this.previewBusy;
    this.sendButton.textContent = t(this.sendFlow.inFlight ? 'sidebar.sending' : 'sidebar.send');
    this.sendButton.disabled = !this.canSend();
  }

  private fillTemplateSelect(templates: TemplateSummary[]): void {
    const { t } = this.options;
    const groups = groupTemplates(templates);
    const group = (label: string, list: TemplateSummary[]) =>
      list.length
        ? h(
            'optgroup',
            { attrs: { label } },
            ...list.map((template) => option(template.alias, template.name, false)),
          )
        : null;

    replaceChildren(
      this.templateSelect,
      option('', t('sidebar.choose_template'), true),
      group(t('sidebar.rule_templates'), groups.rule),
      group(t('sidebar.other_templates'), groups.other),
    );
  }

  private renderRecipients(): void {
    const { t } = this.options;
    const response = this.recipients;
    if (response === this.renderedRecipients) return;

    this.renderedRecipients = response;
    const list = response?.recipients ?? [];
    const label = (email: string, name: string) => (name ? `${name} <${email}>` : email);

    if (list.length <= 1) {
      const only = list[0];
      replaceChildren(
        this.recipientBox,
        h('label', { text: t('sidebar.recipient') }),
        only
          ? h('div', { testid: 'kp-recipient', text: label(only.email, only.contactName) })
          : null,
      );

      return;
    }

    const select = h('select', {
      testid: 'kp-recipient-select',
      attrs: { id: 'kp-recipient-select' },
    });
    select.addEventListener('change', () => this.onRecipientChange(select));
    select.append(
      ...list.map((r) =>
        option(
          r.email,
          `${label(r.email, r.contactName)} · ${r.kind}`,
          r.email === this.selectedEmail,
        ),
      ),
    );

    replaceChildren(
      this.recipientBox,
      h('label', { text: t('sidebar.recipient'), attrs: { for: 'kp-recipient-select' } }),
      select,
    );
  }

  private renderConfirm(): void {
    const { t } = this.options;
    const pending = this.sendFlow.pending;
    const key = JSON.stringify([pending, this.sendFlow.inFlight, this.actionFailure?.kind]);

    // Polling redraws the sidebar every few seconds; a rebuilt button could swallow a click.
    if (key === this.renderedConfirmKey) return;
    this.renderedConfirmKey = key;

    if (!pending) {
      this.confirmBox.hidden = true;
      replaceChildren(this.confirmBox);

      return;
    }

    const template = this.templates?.find((item) => item.alias === pending.templateAlias);
    const failedOnce = this.actionFailure !== null;
    const confirmLabel = this.sendFlow.inFlight
      ? t('sidebar.sending')
      : t(failedOnce ? 'sidebar.retry_send' : 'sidebar.confirm');
    const confirmButton = h('button', {
      class: 'kp-btn kp-btn--primary',
      testid: 'kp-confirm-button',
      text: confirmLabel,
      attrs: { type: 'button', disabled: this.sendFlow.inFlight },
    });
    confirmButton.addEventListener('click', () => void this.onConfirm(confirmButton));

    this.confirmBox.hidden = false;
    replaceChildren(
      this.confirmBox,
      h('div', {
        text: t('sidebar.confirm_question', {
          template: template?.name ?? pending.templateAlias,
          email: pending.email,
        }),
      }),
      h(
        'div',
        { class: 'kp-actions' },
        confirmButton,
        h('button', {
          class: 'kp-btn',
          testid: 'kp-cancel-button',
          text: t('sidebar.cancel'),
          attrs: { type: 'button', disabled: this.sendFlow.inFlight },
          on: { click: () => this.onCancel() },
        }),
      ),
    );
  }

  private renderPreview(): void {
    const { t } = this.options;
    const preview = this.preview;

    // Rebuilding the frame would reload the email on every poll.
    if (preview === this.renderedPreview) return;
    this.renderedPreview = preview;

    if (!preview) {
      this.previewBox.hidden = true;
      replaceChildren(this.previewBox);

      return;
    }

    // An empty sandbox: the email's HTML may not run scripts, submit forms or reach Kommo's page.
    const frame = h('iframe', {
      testid: 'kp-preview-frame',
      attrs: { sandbox: '', title: preview.subject, referrerpolicy: 'no-referrer' },
    });
    frame.srcdoc = preview.htmlBody;

    const missing = preview.missingVariables;

    this.previewBox.hidden = false;
    replaceChildren(
      this.previewBox,
      missing.length
        ? h(
            'div',
            {
              class: 'kp-banner kp-banner--warning',
              testid: 'kp-missing-vars',
              attrs: { role: 'status' },
            },
            h('span', { text: t('sidebar.missing_variables') }),
            h('ul', {}, ...missing.map((name) => h('li', {}, h('code', { text: name })))),
          )
        : null,
      h('div', { class: 'kp-muted', text: t('sidebar.subject') }),
      h('div', { class: 'kp-subject', testid: 'kp-preview-subject', text: preview.subject }),
      frame,
      h(
        'details',
        {},
        h('summary', { text: t('sidebar.text_version') }),
        h('pre', { testid: 'kp-preview-text', text: preview.textBody }),
      ),
    );
  }

  private renderMessages(): void {
    const { t } = this.options;
    const messages = this.messages;
    const key = JSON.stringify([
      messages,
      [...this.expanded],
      this.templates?.length,
      this.loadFailure?.kind,
    ]);

    // Polling answers the same list most of the time; redrawing it would only cause flicker.
    if (key === this.renderedMessagesKey) return;
    this.renderedMessagesKey = key;

    const nothingToList = this.blockingBanner() !== null || (!messages && !!this.loadFailure);
    this.messagesTitle.hidden = nothingToList;

    if (nothingToList) {
      // The banner above already says why there is nothing to list.
      replaceChildren(this.messageList);

      return;
    }

    if (!messages) {
      replaceChildren(this.messageList, h('li', { class: 'kp-muted', text: t('sidebar.loading') }));

      return;
    }

    if (messages.length === 0) {
      replaceChildren(
        this.messageList,
        h('li', { class: 'kp-muted', testid: 'kp-messages-empty', text: t('sidebar.no_messages') }),
      );

      return;
    }

    replaceChildren(this.messageList, ...messages.map((message) => this.messageRow(message)));
  }

  private messageRow(message: LeadMessageDto): HTMLElement {
    const { t } = this.options;
    const open = this.expanded.has(message.id);
    const templateName =
      this.templates?.find((item) => item.alias === message.templateAlias)?.name ??
      message.templateAlias;

    const head = h(
      'button',
      {
        class: 'kp-message-head',
        attrs: { type: 'button', 'aria-expanded': String(open) },
        on: { click: () => this.toggle(message.id) },
      },
      h(
        'span',
        { class: 'kp-message-line' },
        h('span', { class: 'kp-template-name', text: templateName }),
        h('span', {
          class: `kp-badge kp-badge--${message.status}`,
          testid: 'kp-status-badge',
          text: isStatus(message.status) ? t(STATUS_KEYS[message.status]) : message.status,
        }),
      ),
      h(
        'span',
        { class: 'kp-message-line kp-muted' },
        h('span', { text: message.recipient ?? '' }),
        h('span', { text: formatTime(message.sentAt ?? message.createdAt) }),
      ),
      message.error ? h('span', { class: 'kp-error', text: message.error }) : null,
    );

    return h(
      'li',
      {
        class: 'kp-message',
        testid: 'kp-message-row',
        attrs: { 'data-status': message.status, 'data-message-id': message.id },
      },
      head,
      open ? this.timelineList(message) : null,
    );
  }

  private timelineList(message: LeadMessageDto): HTMLElement {
    const { t } = this.options;
    const events = timeline(message.events);

    if (events.length === 0) {
      return h('div', {
        class: 'kp-timeline kp-muted',
        testid: 'kp-message-timeline',
        text: t('sidebar.no_events'),
      });
    }

    return h(
      'ol',
      { class: 'kp-timeline', testid: 'kp-message-timeline' },
      ...events.map((event) =>
        h(
          'li',
          { attrs: { 'data-event-type': event.type } },
          h('span', { class: 'kp-muted', text: `${formatTime(event.occurredAt)} ` }),
          h('span', { text: isStatus(event.type) ? t(STATUS_KEYS[event.type]) : event.type }),
          event.detail ? h('div', { class: 'kp-muted', text: event.detail }) : null,
        ),
      ),
    );
  }

  private toggle(messageId: string): void {
    if (this.expanded.has(messageId)) this.expanded.delete(messageId);
    else this.expanded.add(messageId);

    this.renderMessages();
  }
}
