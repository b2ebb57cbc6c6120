import { interfaceLanguage } from '../kommo/widget-host';

let formatter: Intl.DateTimeFormat | null = null;

function dateTimeFormat(): Intl.DateTimeFormat {
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = { dateStyle: 'short', timeStyle: 'short' };

    try {
      formatter = new Intl.DateTimeFormat(interfaceLanguage(), options);
    } catch {
      formatter = new Intl.DateTimeFormat(undefined, options);
    }
  }

  return formatter;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '';

  const date = new Date(iso);

  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat().format(date);
}
