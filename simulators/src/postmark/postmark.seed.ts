import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFixture } from '../common/fixtures';
import type { PostmarkTemplate, TemplateSeed } from './postmark.types';

export const SERVER_ID = 120033;

/** The three templates of templates-list.json, in its order; deal-won is template.json as is. */
export function sampleTemplates(): TemplateSeed[] {
  return [
    {
      TemplateId: 39001101,
      Name: 'Proposal sent',
      Alias: 'proposal-sent',
      Subject: 'Your proposal for {{deal_name}}',
      HtmlBody:
        '<p>Hello {{client_name}},</p><p>Our proposal for <b>{{deal_name}}</b> comes to ' +
        '{{amount}}.</p><p>Questions? Just reply to this email.</p><p>{{responsible.name}}</p>',
      TextBody:
        'Hello {{client_name}},\nOur proposal for {{deal_name}} comes to {{amount}}.\n' +
        'Questions? Just reply to this email.\n{{responsible.name}}',
      LayoutTemplate: 'basic',
    },
    readJsonFixture<PostmarkTemplate>('postmark/template.json'),
    {
      TemplateId: 39001100,
      Name: 'Basic layout',
      Alias: 'basic',
      TemplateType: 'Layout',
      Subject: null,
      HtmlBody:
        '<html><body><div class="content">{{{@content}}}</div>' +
        '<p class="footer">Acme Travel</p></body></html>',
      TextBody: '{{{@content}}}\n\n--\nAcme Travel',
      LayoutTemplate: null,
    },
  ];
}

/** Template JSON files (template.json shape) from a folder, in file name order. */
export function templatesFromDir(dir: string): TemplateSeed[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as TemplateSeed);
}

/** A full template, fields in the order Postmark's API returns them. */
export function buildTemplate(seed: TemplateSeed, templateId: number): PostmarkTemplate {
  return {
    TemplateId: seed.TemplateId ?? templateId,
    Name: seed.Name ?? seed.Alias ?? `Template ${templateId}`,
    Alias: seed.Alias ?? null,
    Subject: seed.Subject ?? null,
    HtmlBody: seed.HtmlBody ?? null,
    TextBody: seed.TextBody ?? null,
    AssociatedServerId: seed.AssociatedServerId ?? SERVER_ID,
    Active: seed.Active ?? true,
    TemplateType: seed.TemplateType ?? 'Standard',
    LayoutTemplate: seed.LayoutTemplate ?? null,
  };
}
