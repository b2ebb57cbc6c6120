import $ from 'jquery';

import { BackendClient, kommoTransport, trimBaseUrl } from './api/backend-client';
import { createTranslator } from './i18n/translator';
import { currentLeadId, type KommoCallbacks, type KommoWidgetHost } from './kommo/widget-host';
import { RulesEditor } from './rules/rules-editor';
import { LeadSidebar } from './sidebar/lead-sidebar';
import { ensureStyles } from './ui/styles';

interface WidgetInstance extends KommoWidgetHost {
  callbacks: KommoCallbacks;
}

function widgetCode(host: KommoWidgetHost): string {
  return String(host.get_settings().widget_code || 'kp_postmark').replace(/[^\w-]/g, '_');
}

function backend(host: KommoWidgetHost): { client: BackendClient | null; baseUrl: string } {
  const baseUrl = trimBaseUrl(host.get_settings().backend_url);
  const client = baseUrl ? new BackendClient(kommoTransport(host, baseUrl)) : null;

  return { client, baseUrl };
}

/**
 * The constructor Kommo's requirejs receives from script.js. Kommo mixes its helpers
 * (get_settings, i18n, render_template, $authorizedAjax…) into the instance, then calls
 * the callbacks as the user moves between the lead card and the settings pages.
 */
function PostmarkWidget(this: WidgetInstance): WidgetInstance {
  // Kommo calls the callbacks detached from the object, so they close over the instance.
  const self = this;
  let sidebar: LeadSidebar | null = null;
  let rulesEditor: RulesEditor | null = null;
  const t = createTranslator((section) => self.i18n(section));

  const renderLeadCard = (): void => {
    sidebar?.destroy();
    sidebar = null;

    const rootId = `kp-sidebar-${widgetCode(self)}`;
    self.render_template({
      caption: { class_name: 'kp-caption' },
      body: '',
      render: `<div id="${rootId}" class="kp-sidebar" data-testid="kp-sidebar"></div>`,
    });

    const root = document.getElementById(rootId);
    if (!root) {
      console.error('[kp-widget] the lead card did not render the widget container');

      return;
    }

    ensureStyles();
    sidebar = new LeadSidebar({ root, t, leadId: currentLeadId(), ...backend(self) });
    sidebar.mount();
  };

  const renderRulesEditor = (): void => {
    rulesEditor?.destroy();
    rulesEditor = null;

    const root = $(`#work-area-${widgetCode(self)}`).get(0);
    if (!root) {
      console.error('[kp-widget] no #work-area container for the advanced settings page');

      return;
    }

    ensureStyles();
    rulesEditor = new RulesEditor({ root, t, ...backend(self) });
    rulesEditor.mount();
  };

  self.callbacks = {
    render() {
      if (self.system().area === 'lcard') renderLeadCard();

      return true;
    },
    init: () => true,
    bind_actions: () => true,
    settings: () => true,
    onSave: () => true,
    destroy() {
      sidebar?.destroy();
      sidebar = null;
      rulesEditor?.destroy();
      rulesEditor = null;
    },
    advancedSettings() {
      renderRulesEditor();

      return true;
    },
    dpSettings: () => true,
  };

  return self;
}

export default PostmarkWidget;
