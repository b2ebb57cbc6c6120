type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (isTree(value)) return Object.keys(value).length === 0;

  return false;
}

/**
 * The template variables a model leaves empty, as dotted paths (`contact.first_name`).
 * Postmark renders a missing variable as nothing and still calls the template valid, so we
 * walk its SuggestedTemplateModel (every variable the template uses, nested) against the
 * model. A list (`{{#each}}`) counts as one variable: present when it has items.
 */
export function missingVariables(suggested: Tree, model: Tree): string[] {
  const missing: string[] = [];

  const walk = (hint: Tree, value: unknown, path: string[]): void => {
    for (const [key, child] of Object.entries(hint)) {
      const here = [...path, key];
      const actual = isTree(value) ? value[key] : undefined;

      if (isTree(child)) walk(child, actual, here);
      else if (isBlank(actual)) missing.push(here.join('.'));
    }
  };

  walk(suggested, model, []);

  return missing;
}
