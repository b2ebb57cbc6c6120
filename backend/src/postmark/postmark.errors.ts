/**
 * Postmark outcomes, decided by HTTP status and ErrorCode only (never by message text):
 * - transient: try again later (429, 5xx, ErrorCode 100, network)
 * - ambiguous: the request may have been accepted (timeout after sending); look it up first
 * - suppressed: the recipient is inactive (406)
 * - recipient: the address itself is bad (300 about To)
 * - configuration: the operator must fix something (template, sender, stream, token, credits)
 * - permanent: anything else Postmark rejected for good
 */
export type PostmarkErrorKind =
  | 'transient'
  | 'ambiguous'
  | 'suppressed'
  | 'recipient'
  | 'configuration'
  | 'permanent';

export class PostmarkError extends Error {
  constructor(
    readonly kind: PostmarkErrorKind,
    message: string,
    readonly errorCode?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'PostmarkError';
  }
}

const CONFIGURATION_CODES = new Set([
  10, // bad server token
  400, // sender signature not found
  401, // sender signature not confirmed
  405, // out of credits
  412, // account pending approval
  1101, // template not found
  1235, // message stream not found
  1236, // message stream not usable
]);

const TEMPLATE_CODES = new Set([1120, 1121, 1122, 1123]);

export function classifyErrorCode(
  errorCode: number,
  message: string,
  httpStatus?: number,
): PostmarkError {
  if (errorCode === 406) return new PostmarkError('suppressed', message, errorCode, httpStatus);
  if (errorCode === 300) return new PostmarkError('recipient', message, errorCode, httpStatus);
  if (errorCode === 100) return new PostmarkError('transient', message, errorCode, httpStatus);
  if (CONFIGURATION_CODES.has(errorCode) || TEMPLATE_CODES.has(errorCode)) {
    return new PostmarkError('configuration', message, errorCode, httpStatus);
  }

  return new PostmarkError('permanent', message, errorCode, httpStatus);
}

export function classifyHttpFailure(httpStatus: number | undefined, body: unknown): PostmarkError {
  const parsed = body as { ErrorCode?: number; Message?: string } | undefined;
  if (httpStatus === 401) {
    return new PostmarkError('configuration', 'Postmark refused the server token (401)', 10, 401);
  }
  const hasCode = typeof parsed?.ErrorCode === 'number' && parsed.ErrorCode > 0;
  if (
    hasCode &&
    httpStatus !== undefined &&
    httpStatus >= 400 &&
    httpStatus < 500 &&
    httpStatus !== 429
  ) {
    return classifyErrorCode(parsed!.ErrorCode!, parsed?.Message ?? 'rejected', httpStatus);
  }
  if (httpStatus === undefined || httpStatus === 429 || httpStatus >= 500) {
    return new PostmarkError(
      'transient',
      `Postmark answered ${httpStatus ?? 'nothing'}`,
      undefined,
      httpStatus,
    );
  }

  return new PostmarkError(
    'permanent',
    `Postmark answered ${httpStatus}`,
    parsed?.ErrorCode,
    httpStatus,
  );
}
