export interface ParsedAddress {
  email: string;
  name: string | null;
}

export type AddressListResult =
  | { ok: true; addresses: ParsedAddress[] }
  | { ok: false; invalid: string };

const BARE_ADDRESS = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\].]+(\.[^\s@<>(),;:"[\].]+)+$/;
const NAMED_ADDRESS = /^(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>]+)>$/;

/**
 * A Postmark address list: `a@x.com, "Doe, Jane" <jane@x.com>, Bob <bob@x.com>`.
 * Commas inside quotes or angle brackets do not split.
 */
export function parseAddressList(value: string): AddressListResult {
  const addresses: ParsedAddress[] = [];

  for (const part of splitOutsideQuotes(value)) {
    const text = part.trim();
    if (text === '') {
      continue;
    }

    const named = NAMED_ADDRESS.exec(text);
    const email = (named ? named[3] : text).trim();
    if (!BARE_ADDRESS.test(email)) {
      return { ok: false, invalid: text };
    }

    const name = named ? (named[1] ?? named[2] ?? '').trim() || null : null;
    addresses.push({ email, name });
  }

  return { ok: true, addresses };
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;

  for (const char of value) {
    if (char === '"') {
      quoted = !quoted;
    } else if (char === '<' && !quoted) {
      angled = true;
    } else if (char === '>' && !quoted) {
      angled = false;
    }

    if (char === ',' && !quoted && !angled) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);

  return parts;
}
