/**
 * Template variables a model leaves empty. Postmark renders a missing variable as nothing
 * and still calls the template valid, so we compare the model with the variables Postmark
 * suggests for the template (SuggestedTemplateModel) and name the gaps by dotted path.
 */
export function missingVariables(
  suggested: Record<string, unknown>,
  model: Record<string, unknown>,
): string[] {
  const missing: string[] = [];
  collect(suggested, model, '', missing);

  return missing;
}

function collect(suggested: unknown, model: unknown, path: string, missing: string[]): void {
  if (isRecord(suggested)) {
    const entries = Object.entries(suggested);
    if (entries.length === 0 && isEmpty(model)) missing.push(path);
    for (const [key, value] of entries) {
      const inner = isRecord(model) ? model[key] : undefined;
      collect(value, inner, path ? `${path}.${key}` : key, missing);
    }

    return;
  }

  // A list ({{#each}}) counts as present when it has items; its inner fields vary per item.
  if (Array.isArray(suggested)) {
    if (!Array.isArray(model) || model.length === 0) missing.push(path);
    return;
  }

  if (isEmpty(model)) missing.push(path);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;

  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
