import type english from './en.json';

type LeafKeys<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : LeafKeys<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every dotted key of the language files; a typo here fails the build. */
export type I18nKey = LeafKeys<typeof english>;

export type Translate = (key: I18nKey, vars?: Record<string, string | number>) => string;

function fill(text: string, vars: Record<string, string | number> | undefined): string {
  if (!vars) return text;

  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/**
 * Kommo's `i18n(section)` returns the whole top-level object of the user's language file;
 * we walk the rest of the dotted key ourselves. A missing text shows its key, so a gap is
 * visible on screen rather than an empty label.
 */
export function createTranslator(section: (name: string) => unknown): Translate {
  return (key, vars) => {
    const [head, ...rest] = key.split('.');
    let node: unknown = section(head);

    for (const part of rest) {
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[part]
          : undefined;
    }

    return typeof node === 'string' ? fill(node, vars) : key;
  };
}
