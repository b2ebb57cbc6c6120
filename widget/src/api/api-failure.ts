import type { ApiError } from '@kp/shared';

/** Every way a backend call can go wrong, as the sidebar needs to tell them apart. */
export const FAILURE_KINDS = [
  'unreachable',
  'unauthorized',
  'forbidden',
  'not_found',
  'template_error',
  'rejected',
  'upstream',
  'server_error',
  'bad_response',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export class ApiFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

interface XhrLike {
  status?: number;
  responseJSON?: unknown;
  responseText?: string;
}

function kindForStatus(status: number): FailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 422) return 'template_error';
  if (status === 502 || status === 503 || status === 504) return 'upstream';
  if (status >= 500) return 'server_error';

  return 'rejected';
}

function readApiError(body: unknown): ApiError | null {
  if (typeof body !== 'object' || body === null) return null;

  const candidate = body as Partial<ApiError>;
  if (typeof candidate.message !== 'string') return null;

  return {
    code: typeof candidate.code === 'string' ? candidate.code : '',
    message: candidate.message,
  };
}

function parseJson(text: string | undefined): unknown {
  if (!text) return null;

  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Turns whatever a failed `$authorizedAjax` call rejected with (a jqXHR, or an Error when
 * the host could not even start the request) into one typed failure.
 */
export function toApiFailure(reason: unknown, textStatus?: string): ApiFailure {
  if (reason instanceof ApiFailure) return reason;

  if (reason instanceof Error) return new ApiFailure('unreachable', 0, null, reason.message);

  const xhr = (typeof reason === 'object' && reason !== null ? reason : {}) as XhrLike;
  const status = typeof xhr.status === 'number' ? xhr.status : 0;

  if (status === 0) {
    const detail = textStatus === 'timeout' ? 'timeout' : 'network error';

    return new ApiFailure('unreachable', 0, null, detail);
  }

  if (status >= 200 && status < 300) {
    return new ApiFailure(
      'bad_response',
      status,
      null,
      `unreadable answer (${textStatus ?? 'parse'})`,
    );
  }

  const apiError = readApiError(xhr.responseJSON ?? parseJson(xhr.responseText));
  const message = apiError?.message ?? `HTTP ${status}`;

  return new ApiFailure(kindForStatus(status), status, apiError?.code || null, message);
}
