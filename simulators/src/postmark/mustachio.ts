import * as Mustache from 'mustache';

/**
 * Postmark renders templates with Mustachio. mustache.js covers the same ground once two
 * spellings are translated: `{{#each list}}…{{/each}}` becomes a section and `{{this}}`
 * becomes `{{.}}`. Layouts put the rendered content where `{{{@content}}}` stands.
 */

export interface TemplateIssue {
  Message: string;
  Line: number;
  CharacterPosition: number;
}

export type BodyKind = 'html' | 'text';

interface Translation {
  template: string;
  /** Sections that came from `{{#each}}`: their suggested model value is a list. */
  eachNames: Set<string>;
}

const TAG = /\{\{(\{?)\s*([#^/]?)\s*([^{}]*?)\s*(\}?)\}\}/g;
const CONTENT_PLACEHOLDER = /\{\{\{?\s*@content\s*\}?\}\}/;
const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// Mustachio HTML-encodes `{{var}}` like .NET does; subjects and text bodies are not HTML.
const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
const keepAsIs = (value: unknown) => String(value);

export function toMustache(source: string): Translation {
  const eachNames = new Set<string>();
  const open: string[] = [];

  const translate = (tag: string, brace: string, sigil: string, body: string, end: string) => {
    if (sigil === '#' && /^each\s/.test(body)) {
      const name = body.slice(4).trim();
      eachNames.add(name);
      open.push(name);

      return `{{#${name}}}`;
    }

    if (sigil === '#' || sigil === '^') {
      open.push(body);

      return tag;
    }

    if (sigil === '/') {
      const opened = open.pop();

      return body === 'each' && opened !== undefined ? `{{/${opened}}}` : tag;
    }

    return body === 'this' ? `{{${brace}.${end}}}` : tag;
  };

  return { template: source.replace(TAG, translate), eachNames };
}

export function renderTemplate(
  source: string,
  model: object,
  kind: BodyKind,
  layoutSource?: string,
): string {
  const escape = kind === 'html' ? escapeHtml : keepAsIs;
  const content = Mustache.render(toMustache(source).template, model, {}, { escape });

  if (layoutSource === undefined) {
    return content;
  }

  const layoutModel = { ...model, '@content': content };

  return Mustache.render(toMustache(layoutSource).template, layoutModel, {}, { escape });
}

export function hasContentPlaceholder(source: string): boolean {
  return CONTENT_PLACEHOLDER.test(source);
}

/** Syntax problems in a template, empty when it parses. */
export function findIssues(source: string): TemplateIssue[] {
  const { template } = toMustache(source);

  try {
    Mustache.parse(template);

    return [];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = Number(/at (\d+)/.exec(message)?.[1] ?? 0);
    const before = template.slice(0, offset).split('\n');

    const column = before[before.length - 1].length;

    return [{ Message: message, Line: before.length, CharacterPosition: column }];
  }
}

/**
 * Every variable the templates use, valued `<name>_Value` the way Postmark suggests them:
 * dotted paths become nested objects and `{{#each}}` lists become one-item arrays.
 */
export function suggestModel(sources: string[]): Record<string, unknown> {
  const model: Record<string, unknown> = {};

  for (const source of sources) {
    const { template, eachNames } = toMustache(source);
    collectNames(Mustache.parse(template), model, eachNames);
  }

  return model;
}

function collectNames(
  tokens: any[],
  target: Record<string, unknown>,
  eachNames: Set<string>,
): void {
  for (const token of tokens) {
    const [type, name] = token as [string, string];

    if (type === 'name' || type === '&') {
      suggestLeaf(target, name);
    } else if (type === '#' || type === '^') {
      const inner: Record<string, unknown> = {};
      collectNames(token[4] ?? [], inner, eachNames);

      if (type === '#' && eachNames.has(name)) {
        setPath(target, name, [inner]);
      } else if (type === '#' && Object.keys(inner).length) {
        setPath(target, name, inner);
      } else {
        suggestLeaf(target, name);
      }
    }
  }
}

function suggestLeaf(target: Record<string, unknown>, name: string): void {
  if (name === '.' || name.startsWith('@')) {
    return;
  }

  const last = name.split('.').pop() as string;

  setPath(target, name, `${last}_Value`);
}

/** Sets a dotted path; objects already there win over leaves, and objects merge. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = target;

  for (const key of keys) {
    if (!isPlainObject(node[key])) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }

  const existing = node[last];
  if (isPlainObject(existing) && isPlainObject(value)) {
    Object.assign(existing, value);
  } else if (existing === undefined || typeof existing === 'string') {
    node[last] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
