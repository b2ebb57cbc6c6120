type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  testid?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<Record<'click' | 'change' | 'input', (event: Event) => void>>;
}

/** A small element factory: enough to build the sidebar without a view library. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);

  if (props.class) element.className = props.class;
  if (props.testid) element.setAttribute('data-testid', props.testid);
  if (props.text !== undefined) element.textContent = props.text;

  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === false || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }

  for (const [type, handler] of Object.entries(props.on ?? {})) {
    if (handler) element.addEventListener(type, handler);
  }

  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'object' ? child : String(child));
  }

  return element;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.textContent = '';

  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'object' ? child : String(child));
  }
}

export function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const element = h('option', { text: label, attrs: { value } });
  element.selected = selected;

  return element;
}
