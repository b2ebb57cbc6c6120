import * as http from 'node:http';

export interface PostResult {
  status: number;
  body: string;
}

/**
 * POSTs a body to a URL the caller chose (the backend under test) and reads the answer.
 * Plain http only: the simulators talk to local services, never to the outside world.
 */
export function postTo(
  targetUrl: string,
  body: string,
  headers: http.OutgoingHttpHeaders,
  timeoutMs = 30_000,
): Promise<PostResult> {
  const url = new URL(targetUrl);
  if (url.protocol !== 'http:') {
    return Promise.reject(new Error(`only http:// targets are supported, got ${url.protocol}`));
  }

  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, body: text });
        });
        response.on('error', reject);
      },
    );

    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

export function basicAuthHeader(auth: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
}
