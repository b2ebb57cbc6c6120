import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The wire-format samples, byte for byte. The repo carries a copy in simulators/fixtures so
 * a fresh clone works alone; a spec checks the copy still equals ../shared/samples.
 */
export const SAMPLES_DIR = resolve(__dirname, '../../../simulators/fixtures');

export function sample(relativePath: string): string {
  return readFileSync(join(SAMPLES_DIR, relativePath), 'utf8');
}

export function sampleJson<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(sample(relativePath)) as T;
}

/** The team's shared samples, when the checkout has them beside it. */
export const SHARED_SAMPLES_DIR = resolve(__dirname, '../../../../shared/samples');
export const hasSharedSamples = existsSync(join(SHARED_SAMPLES_DIR, 'kommo/lead.json'));
