import path from 'node:path';
import { readFileSync } from 'node:fs';

import { FAILURE_KINDS } from '../src/api/api-failure';
import { flatten, LANGUAGES, readJson, readLanguage, sourceFiles, SRC } from './widget-files';

const english = flatten(readLanguage('en'));
const sections = new Set([...english.keys()].map((key) => key.split('.')[0]));

function placeholders(text: string): string[] {
  return (text.match(/\{\w+\}/g) ?? []).sort();
}

describe('language files', () => {
  it.each(LANGUAGES.filter((language) => language !== 'en'))(
    '%s has exactly the English keys, each translated with the same placeholders',
    (language) => {
      const translated = flatten(readLanguage(language));

      expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());

      for (const [key, text] of english) {
        const other = translated.get(key) ?? '';

        expect({ key, placeholders: placeholders(other) }).toEqual({
          key,
          placeholders: placeholders(text),
        });
        expect(other.trim()).not.toBe('');
      }
    },
  );

  it.each(LANGUAGES.filter((language) => language !== 'en'))(
    '%s is a real translation, not a copy of English',
    (language) => {
      const translated = flatten(readLanguage(language));
      const copied = [...english].filter(([key, text]) => translated.get(key) === text);

      // A few words (a URL hint, "Postmark") may legitimately stay the same.
      expect(copied.length).toBeLessThanOrEqual(2);
    },
  );

  it('has every text the manifest names', () => {
    const manifest = readJson<{
      widget: Record<string, unknown>;
      settings: Record<string, { name: string }>;
    }>(path.join(SRC, 'manifest.json'));
    const named = [
      manifest.widget.name,
      manifest.widget.description,
      manifest.widget.short_description,
      ...Object.values(manifest.settings).map((setting) => setting.name),
    ] as string[];

    for (const key of named) expect(english.has(key)).toBe(true);
  });

  it('has every key the code asks for by name', () => {
    const keyLiteral = /['"`]([a-z_]+\.[a-z_]+)['"`]/g;
    const used = new Set<string>();

    for (const file of sourceFiles()) {
      for (const match of readFileSync(file, 'utf8').matchAll(keyLiteral)) {
        if (sections.has(match[1].split('.')[0])) used.add(match[1]);
      }
    }

    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((key) => !english.has(key))).toEqual([]);
  });

  it('has a text for every failure, recipient problem, status and re-send policy', () => {
    const computed = [
      ...FAILURE_KINDS.map((kind) => `state.${kind}`),
      'state.no_contact',
      'state.no_email',
      'rules.once',
      'rules.every_entry',
      ...['queued', 'sending', 'sent', 'delivered', 'opened', 'clicked']
        .concat(['bounced', 'complained', 'suppressed', 'failed'])
        .map((status) => `status.${status}`),
    ];

    expect(computed.filter((key) => !english.has(key))).toEqual([]);
  });
});
