/** One lead entering a stage, as we take it from a Kommo webhook. */
export interface StageChange {
  leadId: number;
  statusId: number;
  oldStatusId: number | null;
  pipelineId: number;
  /** Kommo's time of the change (seconds); tells a re-entry from a re-delivery. */
  changedAt: number | null;
  /** The template a digital-pipeline trigger asks for, if any. */
  templateAlias?: string;
}

export interface ParsedKommoWebhook {
  subdomain: string | null;
  accountId: number | null;
  changes: StageChange[];
  /** Entries we could not use, with the reason, for the stored record. */
  skipped: string[];
}

export class KommoWebhookFormatError extends Error {}

type Tree = Record<string, unknown>;

// Kommo nests custom fields up to 7 levels deep; deeper keys are not Kommo's and are dropped.
const MAX_DEPTH = 12;
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Turns a Kommo account webhook (status_lead) or a digital-pipeline trigger into stage
 * changes. Accepts the form-encoded body Kommo sends and the JSON its docs show.
 */
export function parseKommoWebhook(
  body: string,
  contentType: string | undefined,
): ParsedKommoWebhook {
  const tree = decode(body, contentType ?? '');
  const account = asTree(tree.account);
  const result: ParsedKommoWebhook = {
    subdomain: text(account?.subdomain) ?? text(tree.subdomain),
    accountId: int(account?.id) ?? int(tree.account_id),
    changes: [],
    skipped: [],
  };

  const leads = asTree(tree.leads);
  const statusItems = leads ? listOf(leads.status) : [];
  statusItems.forEach((item, index) => {
    const change = toStageChange(asTree(item));
    if (typeof change === 'string') result.skipped.push(`leads[status][${index}]: ${change}`);
    else result.changes.push(change);
  });

  const event = asTree(tree.event);
  if (event) {
    const change = fromTrigger(event, tree);
    if (typeof change === 'string') result.skipped.push(`event: ${change}`);
    else result.changes.push(change);
  }

  if (statusItems.length === 0 && !event) {
    throw new KommoWebhookFormatError('no leads[status] and no event: not a stage-change webhook');
  }

  return result;
}

function decode(body: string, contentType: string): Tree {
  const trimmed = body.trim();
  if (trimmed === '') throw new KommoWebhookFormatError('empty body');

  if (contentType.includes('json') || trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Tree;
    } catch {
      throw new KommoWebhookFormatError('body is not valid JSON');
    }
    throw new KommoWebhookFormatError('JSON body is not an object');
  }

  return parseBracketForm(trimmed);
}

/**
 * PHP-style bracket keys (`leads[status][0][id]=…`) into nested objects, in one pass. Lists
 * stay objects keyed by index ("0", "1", …), which keep their order. General-purpose parsers
 * slow down badly on a mass move's tens of thousands of keys; this one stays linear.
 */
function parseBracketForm(body: string): Tree {
  const root: Tree = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = splitKey(key);
    if (!path) continue;

    let node = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = (isPlainTree(next) ? next : (node[segment] = {})) as Tree;
    }
    const last = path[path.length - 1];
    // `tags[]=a&tags[]=b`: an empty index appends.
    node[last === '' ? String(Object.keys(node).length) : last] = value;
  }

  return root;
}

/** `a[b][0]` → ['a', 'b', '0']; null for keys we refuse (too deep, malformed, unsafe). */
function splitKey(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open === -1) return UNSAFE_KEYS.has(key) ? null : [key];

  const path = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^\]]*)\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(rest)) !== null) {
    path.push(match[1]);
    consumed = pattern.lastIndex;
  }
  if (consumed !== rest.length || path.length > MAX_DEPTH || path[0] === '') return null;

  return path.some((segment) => UNSAFE_KEYS.has(segment)) ? null : path;
}

function isPlainTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null;
}

function toStageChange(item: Tree | undefined): StageChange | string {
  if (!item) return 'not an object';

  const leadId = int(item.id);
  const statusId = int(item.status_id);
  const pipelineId = int(item.pipeline_id);
  if (!leadId || statusId === null || pipelineId === null) {
    return 'id, status_id and pipeline_id must be integers';
  }
  const oldStatusId = int(item.old_status_id);
  if (oldStatusId === statusId) return `lead ${leadId} did not change stage`;

  return {
    leadId,
    statusId,
    oldStatusId,
    pipelineId,
    changedAt: int(item.last_modified) ?? int(item.updated_at),
  };
}

function fromTrigger(event: Tree, tree: Tree): StageChange | string {
  const data = asTree(event.data);
  const leadId = int(data?.id);
  const statusId = int(data?.status_id);
  const pipelineId = int(data?.pipeline_id);
  if (!leadId || statusId === null || pipelineId === null) {
    return 'event[data] must carry id, status_id and pipeline_id';
  }
  const settings = asTree(asTree(asTree(asTree(tree.action)?.settings)?.widget)?.settings);

  return {
    leadId,
    statusId,
    oldStatusId: null,
    pipelineId,
    changedAt: int(event.time),
    templateAlias: text(settings?.template) ?? undefined,
  };
}

function asTree(value: unknown): Tree | undefined {
  return value && typeof value === 'object' ? (value as Tree) : undefined;
}

/** qs gives an array for small indexes and an object for large ones; take both. */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);

  return [];
}

function int(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());

  return null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
