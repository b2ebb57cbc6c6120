import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The sample payloads this package needs, copied byte for byte from the project's shared
 * samples into `simulators/fixtures/` so the package works wherever it is cloned.
 * The same relative path holds from `src/common` (tests) and `dist/common` (built code).
 */
export const FIXTURES_DIR = resolve(__dirname, '..', '..', 'fixtures');

export function readFixture(relativePath: string): string {
  return readFileSync(join(FIXTURES_DIR, relativePath), 'utf8');
}

export function readJsonFixture<T = any>(relativePath: string): T {
  return JSON.parse(readFixture(relativePath)) as T;
}
