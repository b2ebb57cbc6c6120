import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Debian's chromium package; Playwright never downloads a browser of its own here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Headless and quiet: no GPU, no sandbox (root in CI), and no calls home, which this
// machine's closed network would refuse at every start.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const ARTIFACTS_DIR = resolve(__dirname, '../../../test-artifacts/widget-e2e');

const inCi = Boolean(process.env.CI);
const haveChromium = existsSync(CHROMIUM_PATH);

/**
 * `describe` when Chromium can run. On a developer machine without it the suite is skipped
 * with a note; under CI it always runs, so a missing browser fails loudly.
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (haveChromium || inCi) {
    describe(name, suite);

    return;
  }

  console.warn(
    `${name}: skipped, ${CHROMIUM_PATH} is not installed ` +
      '(apt-get install -y chromium; under CI=true these tests must run)',
  );
  describe.skip(name, suite);
}

export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: CI must run "apt-get install -y chromium"`,
    );
  }

  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Saves the page as test-artifacts/widget-e2e/<name>.png for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });

  return path;
}
