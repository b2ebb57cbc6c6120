import type { LeadMessageDto, MessageEventDto, RecipientOption, TemplateSummary } from '@kp/shared';

export interface TemplateGroups {
  rule: TemplateSummary[];
  other: TemplateSummary[];
}

function byName(a: TemplateSummary, b: TemplateSummary): number {
  return a.name.localeCompare(b.name) || a.alias.localeCompare(b.alias);
}

/** Templates used by a stage rule come first: they are the ones managers send most. */
export function groupTemplates(templates: TemplateSummary[]): TemplateGroups {
  return {
    rule: templates.filter((template) => template.usedByRule).sort(byName),
    other: templates.filter((template) => !template.usedByRule).sort(byName),
  };
}

export function defaultRecipient(recipients: RecipientOption[]): RecipientOption | null {
  return recipients.find((recipient) => recipient.isDefault) ?? recipients[0] ?? null;
}

function newestFirst(a: LeadMessageDto, b: LeadMessageDto): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt);
}

export function sortMessages(messages: LeadMessageDto[]): LeadMessageDto[] {
  return [...messages].sort(newestFirst);
}

/** Adds a message we just sent, or replaces an older copy of it, keeping newest first. */
export function upsertMessage(
  messages: LeadMessageDto[],
  message: LeadMessageDto,
): LeadMessageDto[] {
  return sortMessages([message, ...messages.filter((existing) => existing.id !== message.id)]);
}

export function timeline(events: MessageEventDto[]): MessageEventDto[] {
  return [...events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}
