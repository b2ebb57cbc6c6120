import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIXTURES_DIR } from './fixtures';

/** The project's shared samples, when this checkout has them beside it. */
function findSharedSamples(): string | undefined {
  const fromEnv = process.env.SAMPLES_DIR;
  if (fromEnv && existsSync(join(fromEnv, 'kommo', 'lead.json'))) {
    return fromEnv;
  }

  // The repo's own `shared/` workspace has no samples; keep walking up past it.
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'samples');
    if (existsSync(join(candidate, 'kommo', 'lead.json'))) {
      return candidate;
    }
  }

  return undefined;
}

describe('fixtures', () => {
  const samples = findSharedSamples();
  const files = ['kommo', 'postmark'].flatMap((folder) =>
    readdirSync(join(FIXTURES_DIR, folder)).map((file) => `${folder}/${file}`),
  );

  (samples ? it.each(files) : it.skip.each(files))('%s is a byte-for-byte copy', (file) => {
    const copy = readFileSync(join(FIXTURES_DIR, file));
    const original = readFileSync(join(samples as string, file));

    expect(copy.equals(original)).toBe(true);
  });
});
