import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';

import AdmZip from 'adm-zip';

import { DIST, LANGUAGES, LOGO_SIZES, pngSize, ZIP_PATH } from './widget-files';

const GZIP_BUDGET = 40 * 1024;

describe('widget.zip', () => {
  const zip = new AdmZip(ZIP_PATH);
  const entries = new Map(zip.getEntries().map((entry) => [entry.entryName, entry]));

  it('holds the manifest, the script, every language and every logo at the root', () => {
    const expected = [
      'manifest.json',
      'script.js',
      ...LANGUAGES.map((language) => `i18n/${language}.json`),
      ...Object.keys(LOGO_SIZES).map((name) => `images/${name}`),
    ];

    const files = [...entries.keys()].filter((name) => !name.endsWith('/'));

    expect(files.sort()).toEqual(expected.sort());
  });

  it.each(Object.entries(LOGO_SIZES))('has %s at %p pixels', (name, size) => {
    const entry = entries.get(`images/${name}`);

    expect(entry).toBeDefined();
    expect(pngSize(entry!.getData())).toEqual(size);
    expect(entry!.getData().length).toBeLessThan(300 * 1024);
  });

  it('carries the same script.js as dist/', () => {
    const inZip = entries.get('script.js')!.getData();

    expect(inZip.equals(fs.readFileSync(path.join(DIST, 'script.js')))).toBe(true);
  });
});

describe('script.js', () => {
  const script = fs.readFileSync(path.join(DIST, 'script.js'), 'utf8');

  it(`stays within ${GZIP_BUDGET / 1024} KB gzipped`, () => {
    expect(zlib.gzipSync(script, { level: 9 }).length).toBeLessThanOrEqual(GZIP_BUDGET);
  });

  it('is an AMD module that asks Kommo for jQuery instead of bundling it', () => {
    const head = /^\s*define\(\[([^\]]*)\]/.exec(script);

    expect(head).not.toBeNull();

    const deps = JSON.parse(`[${head![1]}]`) as string[];

    expect(deps).toContain('jquery');
    expect(deps.every((dep) => ['jquery', 'underscore', 'twigjs', 'moment'].includes(dep))).toBe(
      true,
    );
  });

  it('bundles none of the libraries Kommo already ships', () => {
    expect(script).not.toMatch(
      /jQuery JavaScript Library|Sizzle|Underscore\.js|twig\.js|moment\.js/i,
    );
  });

  it('returns a widget constructor whose callbacks Kommo can call', () => {
    let factory: ((...deps: unknown[]) => unknown) | null = null;
    const define = (_deps: string[], body: (...deps: unknown[]) => unknown) => {
      factory = body;
    };
    vm.runInNewContext(script, { define });

    const fakeJquery = () => ({ length: 0, get: () => undefined });
    const Widget = factory!(fakeJquery) as new () => Record<string, unknown>;
    const widget = new Widget();
    Object.assign(widget, {
      system: () => ({ area: 'llist' }),
      get_settings: () => ({ widget_code: 'kp_test', backend_url: 'https://mail.example.com/' }),
      i18n: () => undefined,
    });
    const callbacks = widget.callbacks as Record<string, (...args: unknown[]) => unknown>;

    expect(Object.keys(callbacks).sort()).toEqual(
      [
        'advancedSettings',
        'bind_actions',
        'destroy',
        'dpSettings',
        'init',
        'onSave',
        'render',
        'settings',
      ].sort(),
    );
    for (const name of ['render', 'init', 'bind_actions', 'settings', 'onSave', 'dpSettings']) {
      expect(callbacks[name]()).toBe(true);
    }
    expect(() => callbacks.destroy()).not.toThrow();
  });
});
