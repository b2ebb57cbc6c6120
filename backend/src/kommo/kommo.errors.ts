/**
 * What went wrong talking to Kommo, decided from status and body shape only:
 * transient (retry later), blocked (stop calling this account), auth (token bad),
 * permanent (the request itself is wrong).
 */
export type KommoErrorKind = 'transient' | 'blocked' | 'auth' | 'permanent';

export class KommoError extends Error {
  constructor(
    readonly kind: KommoErrorKind,
    message: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'KommoError';
  }
}

export function classifyKommoResponse(status: number, body: unknown, contentType = ''): KommoError {
  const isHtml =
    contentType.includes('html') || (typeof body === 'string' && body.includes('<html'));
  if (status === 429) return new KommoError('transient', 'Kommo rate limit hit (429)', status);
  if (status === 403 && isHtml) {
    return new KommoError('blocked', 'Kommo blocked this account or IP (403)', status);
  }
  if (status === 401) return new KommoError('auth', 'Kommo refused the access token (401)', status);
  if (status === 403) return new KommoError('auth', 'Kommo denied access (403)', status, body);
  if (status >= 500) return new KommoError('transient', `Kommo answered ${status}`, status);

  const problem = body as { detail?: string; title?: string } | undefined;
  const detail = problem?.detail ?? problem?.title ?? 'request rejected';

  return new KommoError('permanent', `Kommo answered ${status}: ${detail}`, status, body);
}
