import type { KommoTag } from './kommo.types';

export type TagRef = { id?: number; name?: string };

/** The account's tags: one per name (case-insensitive), new names get the next id. */
export class TagRegistry {
  private readonly byName = new Map<string, KommoTag>();
  private nextId = 90_300;

  register(tag: KommoTag): KommoTag {
    const key = tag.name.toLowerCase();
    const known = this.byName.get(key);
    if (known) {
      return known;
    }

    const stored = { ...tag };
    this.byName.set(key, stored);
    this.nextId = Math.max(this.nextId, stored.id + 1);

    return stored;
  }

  /** The tag a `{name}` or `{id}` reference points at; names not seen before are created. */
  resolve(ref: TagRef): KommoTag {
    if (typeof ref.name === 'string' && ref.name.trim() !== '') {
      return this.register({ id: this.nextId, name: ref.name.trim(), color: null });
    }

    return this.findById(ref.id) as KommoTag;
  }

  isValidList(list: unknown): boolean {
    return Array.isArray(list) && list.every((ref) => this.isValidRef(ref));
  }

  private isValidRef(ref: unknown): boolean {
    if (typeof ref !== 'object' || ref === null) {
      return false;
    }

    const { id, name } = ref as TagRef;

    return (typeof name === 'string' && name.trim() !== '') || this.findById(id) !== undefined;
  }

  private findById(id: number | undefined): KommoTag | undefined {
    return [...this.byName.values()].find((tag) => tag.id === id);
  }
}
