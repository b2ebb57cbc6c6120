import type { LeadMessageDto } from '@kp/shared';

import {
  defaultRecipient,
  groupTemplates,
  sortMessages,
  timeline,
  upsertMessage,
} from './lead-data';
import { newRequestId } from './request-id';

function message(id: string, createdAt: string): LeadMessageDto {
  return {
    id,
    leadId: 1,
    templateAlias: 'welcome',
    recipient: 'a@b.co',
    status: 'queued',
    error: null,
    createdAt,
    sentAt: null,
    events: [],
  };
}

describe('groupTemplates', () => {
  it('puts templates used by a rule first, each group by name', () => {
    const groups = groupTemplates([
      { alias: 'z', name: 'Zeta', usedByRule: false },
      { alias: 'w', name: 'Won deal', usedByRule: true },
      { alias: 'a', name: 'Alpha', usedByRule: false },
      { alias: 'i', name: 'Invoice', usedByRule: true },
    ]);

    expect(groups.rule.map((t) => t.alias)).toEqual(['i', 'w']);
    expect(groups.other.map((t) => t.alias)).toEqual(['a', 'z']);
  });
});

describe('defaultRecipient', () => {
  const option = (email: string, isDefault: boolean) => ({
    contactId: 1,
    contactName: 'Ann',
    email,
    kind: 'WORK',
    isDefault,
  });

  it('prefers the address marked default, else the first', () => {
    expect(defaultRecipient([option('a@x.co', false), option('b@x.co', true)])?.email).toBe(
      'b@x.co',
    );
    expect(defaultRecipient([option('a@x.co', false)])?.email).toBe('a@x.co');
    expect(defaultRecipient([])).toBeNull();
  });
});

describe('messages', () => {
  it('sorts newest first', () => {
    const sorted = sortMessages([
      message('old', '2026-01-01T10:00:00Z'),
      message('new', '2026-01-02T10:00:00Z'),
    ]);

    expect(sorted.map((m) => m.id)).toEqual(['new', 'old']);
  });

  it('adds a just-sent message on top, replacing an older copy of it', () => {
    const list = [message('a', '2026-01-01T10:00:00Z')];
    const sent = message('b', '2026-01-03T10:00:00Z');

    const once = upsertMessage(list, sent);
    const twice = upsertMessage(once, { ...sent, status: 'sent' });

    expect(twice.map((m) => [m.id, m.status])).toEqual([
      ['b', 'sent'],
      ['a', 'queued'],
    ]);
  });

  it('shows a timeline oldest first even when events arrived out of order', () => {
    const events = timeline([
      { type: 'opened', detail: null, occurredAt: '2026-01-01T10:05:00Z' },
      { type: 'delivered', detail: null, occurredAt: '2026-01-01T10:01:00Z' },
    ]);

    expect(events.map((e) => e.type)).toEqual(['delivered', 'opened']);
  });
});

describe('newRequestId', () => {
  it('gives a different id each time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRequestId()));

    expect(ids.size).toBe(50);
  });
});
