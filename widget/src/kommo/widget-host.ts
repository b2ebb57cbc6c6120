/**
 * What Kommo mixes into a widget instance before it calls the callbacks. Only the members
 * this widget uses are described; Kommo's object has many more.
 */

export interface KommoAjaxOptions {
  url: string;
  type: 'GET' | 'POST' | 'PUT';
  data?: string;
  contentType?: string;
  dataType: 'json';
  timeout?: number;
}

/** The part of a jqXHR (or a native promise) that `$authorizedAjax` hands back. */
export interface AjaxPromise {
  then(
    onDone: (body: unknown) => void,
    onFail: (xhr: unknown, textStatus?: string) => void,
  ): unknown;
}

export interface KommoWidgetSettings {
  widget_code?: string;
  backend_url?: string;
  [key: string]: unknown;
}

export interface KommoSystem {
  area?: string;
  subdomain?: string;
  [key: string]: unknown;
}

export interface KommoTemplateParams {
  caption: { class_name: string; html?: string };
  body: string;
  render: string;
}

export interface KommoWidgetHost {
  get_settings(): KommoWidgetSettings;
  system(): KommoSystem;
  i18n(key: string): unknown;
  render_template(params: KommoTemplateParams): unknown;
  $authorizedAjax(options: KommoAjaxOptions): AjaxPromise;
}

/** The callbacks Kommo calls on a widget built for interface version 2. */
export interface KommoCallbacks {
  render(): boolean;
  init(): boolean;
  bind_actions(): boolean;
  settings(modalBody?: unknown): boolean;
  onSave(fields?: unknown): boolean;
  destroy(): void;
  advancedSettings(): boolean;
  dpSettings(): boolean;
}

interface KommoAppGlobal {
  lang_id?: string;
  data?: { current_card?: { id?: number | string } };
}

declare global {
  interface Window {
    APP?: KommoAppGlobal;
  }
}

/** The lead open in the card, or 0 while the card is a new, unsaved lead. */
export function currentLeadId(): number {
  const raw = window.APP?.data?.current_card?.id;
  const id = Number(raw);

  return Number.isInteger(id) && id > 0 ? id : 0;
}

export function interfaceLanguage(): string {
  return window.APP?.lang_id || document.documentElement.lang || navigator.language || 'en';
}
