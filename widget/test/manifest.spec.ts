import path from 'node:path';

import { LANGUAGES, readJson, SRC } from './widget-files';

interface Manifest {
  widget: Record<string, unknown> & { support: { link: string; email: string } };
  locations: string[];
  settings: Record<string, { name: string; type: string; required: boolean }>;
}

describe('manifest.json', () => {
  const manifest = readJson<Manifest>(path.join(SRC, 'manifest.json'));

  it('describes a version 2 widget in four languages', () => {
    expect(manifest.widget).toMatchObject({
      name: 'widget.name',
      description: 'widget.description',
      short_description: 'widget.short_description',
      version: '1.0.0',
      interface_version: 2,
      init_once: false,
      installation: true,
    });
    expect(manifest.widget.locale).toEqual([...LANGUAGES]);
  });

  it('names a support link and address', () => {
    expect(manifest.widget.support.link).toMatch(/^https:\/\//);
    expect(manifest.widget.support.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
  });

  it('runs in the lead card panel and on both settings pages', () => {
    expect(manifest.locations).toEqual(['lcard-1', 'settings', 'advanced_settings']);
  });

  it('asks only for the backend URL at install; secrets stay in the backend', () => {
    expect(manifest.settings).toEqual({
      backend_url: { name: 'settings.backend_url', type: 'text', required: true },
    });
  });
});
