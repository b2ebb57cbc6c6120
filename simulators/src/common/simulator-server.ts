import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as qs from 'qs';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, any>;
  body: any;
  /** HTTP status sent back; 0 while pending or when the socket was dropped without an answer. */
  status: number;
  at: number;
}

/** One request as the simulators' handlers see it. */
export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  path: string;
  query: Record<string, any>;
  rawBody: string;
  /** Parsed JSON or form body; the raw text when it could not be parsed. */
  body: any;
  bodyIsInvalid: boolean;
  record: RecordedRequest;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (exchange: Exchange, param: string) => void;
}

/**
 * A route from a path like `/api/v4/leads/:id`; the one `:param` reaches the handler.
 * `:id` only matches digits, so `/leads/pipelines` never reads as a lead id.
 */
export function route(method: string, path: string, handle: Route['handle']): Route {
  const source = path.replace(/:id\b/g, '(\\d+)').replace(/:[a-z]+/gi, '([^/]+)');
  const pattern = new RegExp(`^${source}$`, 'i');

  return { method, pattern, handle };
}

/** The matching route, or the status to answer: 404 for an unknown path, 405 for a method. */
export function matchRoute(routes: Route[], method: string, path: string): Route | 404 | 405 {
  const matching = routes.filter((candidate) => candidate.pattern.test(path));
  const found = matching.find((candidate) => candidate.method === method);

  return found ?? (matching.length ? 405 : 404);
}

/** The path parameter of a matched route, decoded. */
export function routeParam(found: Route, path: string): string {
  return decodeURIComponent(found.pattern.exec(path)?.[1] ?? '');
}

// Kommo sends hundreds of `filter[id][]` values and deep bracket keys: lift qs's small defaults.
export const QS_LIMITS = { arrayLimit: 1000, parameterLimit: 100_000, depth: 20 };

/**
 * The plumbing both simulators share: a 127.0.0.1 HTTP server, body parsing, the request log,
 * timers that die with the server, and held requests that end by dropping the socket.
 */
export abstract class SimulatorServer {
  url = '';
  requests: RecordedRequest[] = [];

  private server?: http.Server;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  get isRunning(): boolean {
    return this.server !== undefined;
  }

  async start(port = 0): Promise<string> {
    if (this.server) {
      return this.url;
    }

    const server = http.createServer((req, res) => void this.accept(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });

    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) {
      return;
    }

    this.server = undefined;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();

    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected abstract handle(exchange: Exchange): Promise<void> | void;

  /** Waits ms; resolves early (with false) when the server stops meanwhile. */
  protected delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(this.isRunning);
      }, ms);
      this.timers.set(timer, () => resolve(false));
    });
  }

  /** Never answers: after ms the socket is destroyed, as a stalled upstream would look. */
  protected hang(exchange: Exchange, ms: number): void {
    void this.delay(ms).then(() => exchange.req.socket.destroy());
  }

  protected sendJson(exchange: Exchange, status: number, payload: unknown, type?: string): void {
    const contentType = type ?? 'application/json; charset=utf-8';

    this.send(exchange, status, JSON.stringify(payload), { 'Content-Type': contentType });
  }

  protected sendText(exchange: Exchange, status: number, text: string, type: string): void {
    this.send(exchange, status, text, { 'Content-Type': type });
  }

  protected sendEmpty(exchange: Exchange, status: number): void {
    this.send(exchange, status, undefined, {});
  }

  private send(
    exchange: Exchange,
    status: number,
    body: string | undefined,
    headers: http.OutgoingHttpHeaders,
  ): void {
    if (exchange.res.headersSent) {
      return;
    }

    exchange.record.status = status;
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    exchange.res.writeHead(status, { ...headers, 'Content-Length': length });
    exchange.res.end(body);
  }

  private async accept(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req).catch(() => undefined);
    if (rawBody === undefined) {
      return;
    }

    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = qs.parse(url.search.slice(1), QS_LIMITS) as Record<string, any>;
    const { body, invalid } = parseBody(req.headers['content-type'], rawBody);
    const method = req.method ?? 'GET';

    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      body,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);

    const exchange: Exchange = {
      req,
      res,
      method,
      path: url.pathname,
      query,
      rawBody,
      body,
      bodyIsInvalid: invalid,
      record,
    };

    try {
      await this.handle(exchange);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.sendJson(exchange, 500, { Message: `simulator bug: ${message}` });
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(contentType: string | undefined, raw: string): { body: any; invalid: boolean } {
  if (raw === '') {
    return { body: undefined, invalid: false };
  }

  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return { body: qs.parse(raw, QS_LIMITS), invalid: false };
  }

  try {
    return { body: JSON.parse(raw), invalid: false };
  } catch {
    return { body: raw, invalid: true };
  }
}
