import type { Exchange } from '../common/simulator-server';
import type { KommoContact } from './kommo.types';

export interface FieldError {
  code: string;
  path: string;
  detail: string;
}

export interface ItemErrors {
  request_id: string;
  errors: FieldError[];
}

/** Thrown by handlers and parsers; the pipeline answers it as Kommo's 400 problem. */
export class ValidationFailure extends Error {
  constructor(readonly items: ItemErrors[]) {
    super('Request validation failed');
  }
}

export function validationProblem(items: ItemErrors[]): object {
  return {
    'validation-errors': items,
    title: 'Bad Request',
    type: 'https://httpstatus.es/400',
    status: 400,
    detail: 'Request validation failed',
  };
}

export function fieldFailure(code: string, path: string, detail: string): ValidationFailure {
  return new ValidationFailure([{ request_id: '0', errors: [{ code, path, detail }] }]);
}

export function requireArray(exchange: Exchange, max: number): any[] {
  const items = exchange.body;

  if (exchange.bodyIsInvalid || !Array.isArray(items) || !items.length) {
    throw fieldFailure('InvalidType', '', 'The request body must be a non-empty JSON array.');
  }

  if (items.length > max) {
    throw fieldFailure('Count', '', `This collection should contain ${max} elements or less.`);
  }

  return items;
}

/** `filter[id]=1`, `filter[id][]=1&filter[id][]=2` or `filter[id]=1,2`; undefined when absent. */
export function parseIdFilter(value: unknown): number[] | undefined {
  if (value === undefined) {
    return undefined;
  }

  const raw = Array.isArray(value)
    ? value
    : isRecord(value)
      ? Object.values(value)
      : String(value).split(',');
  const ids = raw.map((item) => Number(item));

  if (ids.some((id) => !Number.isInteger(id) || id <= 0)) {
    throw fieldFailure('InvalidType', 'filter.id', 'This value should be of type integer.');
  }

  return ids;
}

/** The stored records with these ids (all of them without a filter), in id order. */
export function pick<T extends { id: number }>(
  records: Map<number, T>,
  ids: number[] | undefined,
): T[] {
  const found = ids
    ? [...new Set(ids)].flatMap((id) => records.get(id) ?? [])
    : [...records.values()];

  return found.sort((a, b) => a.id - b.id);
}

export function highestKey(records: Map<number, unknown>, floor: number): number {
  let highest = floor;
  for (const id of records.keys()) {
    highest = Math.max(highest, id);
  }

  return highest;
}

export function parsePositiveInt(value: unknown, fallback: number, path: string): number {
  if (value === undefined || value === '') {
    return fallback;
  }

  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw fieldFailure('InvalidType', path, 'This value should be a positive integer.');
  }

  return parsed;
}

export function wants(exchange: Exchange, relation: string): boolean {
  return String(exchange.query.with ?? '')
    .split(',')
    .map((item) => item.trim())
    .includes(relation);
}

/** Kommo's `query=`: a case-insensitive substring of the name or of any field value. */
export function matchesSearch(contact: KommoContact, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) {
    return true;
  }

  const values = (contact.custom_fields_values ?? []).flatMap((field) =>
    field.values.map((item) => String(item.value).trim().toLowerCase()),
  );

  return (
    contact.name.toLowerCase().includes(needle) || values.some((value) => value.includes(needle))
  );
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
