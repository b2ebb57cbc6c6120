import { ApiFailure, toApiFailure } from './api-failure';

describe('toApiFailure', () => {
  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [422, 'template_error'],
    [400, 'rejected'],
    [502, 'upstream'],
    [503, 'upstream'],
    [500, 'server_error'],
  ])('reads HTTP %i as %s and keeps the backend message', (status, kind) => {
    const xhr = { status, responseJSON: { code: 'some_code', message: 'what went wrong' } };
    const failure = toApiFailure(xhr, 'error');

    expect(failure).toMatchObject({ kind, status, code: 'some_code', message: 'what went wrong' });
  });

  it('treats status 0 as an unreachable backend (network down, CORS refused)', () => {
    expect(toApiFailure({ status: 0 }, 'error')).toMatchObject({ kind: 'unreachable', status: 0 });
    expect(toApiFailure({ status: 0 }, 'timeout').message).toBe('timeout');
  });

  it('parses the error body from responseText when jQuery did not', () => {
    const xhr = {
      status: 422,
      responseText: '{"code":"template_error","message":"Unknown alias"}',
    };

    expect(toApiFailure(xhr)).toMatchObject({ kind: 'template_error', message: 'Unknown alias' });
  });

  it('falls back to the HTTP status when the body is not our error shape', () => {
    expect(toApiFailure({ status: 504, responseText: '<html>Gateway</html>' })).toMatchObject({
      kind: 'upstream',
      message: 'HTTP 504',
      code: null,
    });
  });

  it('reports a 200 whose body could not be parsed as a bad response', () => {
    expect(toApiFailure({ status: 200 }, 'parsererror').kind).toBe('bad_response');
  });

  it('treats an exception thrown before the request as unreachable', () => {
    expect(toApiFailure(new Error('token unavailable'))).toMatchObject({
      kind: 'unreachable',
      message: 'token unavailable',
    });
  });

  it('passes an ApiFailure through untouched', () => {
    const failure = new ApiFailure('forbidden', 403, 'admin_only', 'Admins only');

    expect(toApiFailure(failure)).toBe(failure);
  });
});
