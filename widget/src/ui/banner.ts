import type { ApiFailure } from '../api/api-failure';
import type { Translate } from '../i18n/translator';
import { h } from './dom';

export type Tone = 'error' | 'warning' | 'info' | 'success';

export interface Banner {
  /** Machine-readable name of the state, exposed as data-state for tests and support. */
  state: string;
  tone: Tone;
  text: string;
  details?: string[];
  action?: { label: string; run: () => void };
}

export function failureBanner(
  t: Translate,
  failure: ApiFailure,
  baseUrl: string,
  action?: Banner['action'],
): Banner {
  const text = t(`state.${failure.kind}`, {
    url: baseUrl,
    message: failure.message,
    status: failure.status,
  });

  return {
    state: failure.kind,
    tone: failure.kind === 'upstream' ? 'warning' : 'error',
    text,
    action,
  };
}

export function renderBanner(banner: Banner): HTMLElement {
  const action = banner.action;

  return h(
    'div',
    {
      class: `kp-banner kp-banner--${banner.tone}`,
      testid: 'kp-banner',
      attrs: { 'data-state': banner.state, role: banner.tone === 'error' ? 'alert' : 'status' },
    },
    h('span', { text: banner.text }),
    banner.details?.length
      ? h('ul', {}, ...banner.details.map((detail) => h('li', { text: detail })))
      : null,
    action
      ? h('button', {
          class: 'kp-link',
          text: action.label,
          attrs: { type: 'button' },
          on: { click: () => action.run() },
        })
      : null,
  );
}
