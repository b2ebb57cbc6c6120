import fs from 'node:fs';
import path from 'node:path';

export const WIDGET_ROOT = path.join(__dirname, '..');
export const SRC = path.join(WIDGET_ROOT, 'src');
export const DIST = path.join(WIDGET_ROOT, 'dist');
export const ZIP_PATH = path.join(WIDGET_ROOT, 'widget.zip');
export const LANGUAGES = ['en', 'es', 'pt', 'ru'] as const;

export const LOGO_SIZES: Record<string, [number, number]> = {
  'logo.png': [130, 100],
  'logo_small.png': [108, 108],
  'logo_min.png': [84, 84],
  'logo_medium.png': [240, 84],
  'logo_main.png': [400, 272],
  'logo_dp.png': [174, 109],
};

export type Tree = { [key: string]: string | Tree };

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function readLanguage(language: string): Tree {
  return readJson<Tree>(path.join(SRC, 'i18n', `${language}.json`));
}

/** Dotted key -> text for every leaf of a language file. */
export function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const leaves = new Map<string, string>();

  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') leaves.set(prefix + key, value);
    else flatten(value, `${prefix}${key}.`).forEach((text, leaf) => leaves.set(leaf, text));
  }

  return leaves;
}

export function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);

    return /\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name) ? [full] : [];
  });
}

/** Width and height from a PNG's IHDR chunk, which always follows the 8-byte signature. */
export function pngSize(bytes: Buffer): [number, number] {
  const signature = bytes.subarray(0, 8).toString('hex');
  if (signature !== '89504e470d0a1a0a') throw new Error('not a PNG');
  if (bytes.subarray(12, 16).toString('ascii') !== 'IHDR') throw new Error('PNG without IHDR');

  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}
