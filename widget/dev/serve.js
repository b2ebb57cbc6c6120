/**
 * A stand-in for Kommo's lead card, so the built widget can be run and tested without a
 * Kommo account. It serves harness.html, the built widget from dist/, jQuery and underscore,
 * and mints the X-Auth-Token Kommo would add: HS256 with the integration's client secret.
 *
 *   KOMMO_CLIENT_SECRET=... BACKEND_URL=http://127.0.0.1:3000 node widget/dev/serve.js
 *
 * From code: const { url, close } = await startHarness({ backendUrl, secret, port: 0 }).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const jwt = require('jsonwebtoken');

const WIDGET_ROOT = path.join(__dirname, '..');
const TOKEN_LIFETIME_S = 30 * 60;

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

function vendorFiles() {
  return {
    '/vendor/jquery.js': require.resolve('jquery/dist/jquery.min.js'),
    '/vendor/underscore.js': require.resolve('underscore/underscore-umd-min.js'),
  };
}

/** The claims Kommo puts in X-Auth-Token, for the account and user this harness pretends to be. */
function tokenClaims(options, isAdmin) {
  const now = Math.floor(Date.now() / 1000);

  return {
    iss: `https://${options.subdomain}.kommo.com`,
    aud: options.audience,
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now,
    exp: now + TOKEN_LIFETIME_S,
    account_id: options.accountId,
    user_id: options.userId,
    client_uuid: options.clientUuid,
    subdomain: options.subdomain,
    is_admin: isAdmin,
  };
}

function resolveOptions(input) {
  const env = process.env;
  const backendUrl = (input.backendUrl ?? env.BACKEND_URL ?? 'http://127.0.0.1:3000').replace(
    /\/+$/,
    '',
  );
  const secret = input.secret ?? env.KOMMO_CLIENT_SECRET;

  if (!secret)
    throw new Error('KOMMO_CLIENT_SECRET (or the secret option) is required to sign tokens');

  return {
    port: Number(input.port ?? env.HARNESS_PORT ?? 8190),
    host: input.host ?? '127.0.0.1',
    backendUrl,
    secret,
    audience: input.audience ?? env.WIDGET_TOKEN_AUDIENCE ?? new URL(backendUrl).origin,
    subdomain: input.subdomain ?? env.KOMMO_SUBDOMAIN ?? 'acmetravel',
    accountId: Number(input.accountId ?? env.KOMMO_ACCOUNT_ID ?? 30127781),
    userId: Number(input.userId ?? 8123401),
    clientUuid: input.clientUuid ?? env.KOMMO_CLIENT_ID ?? '00000000-0000-4000-8000-000000000000',
    widgetCode: input.widgetCode ?? 'kp_postmark',
    distDir: input.distDir ?? path.join(WIDGET_ROOT, 'dist'),
  };
}

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function sendJson(response, value) {
  send(response, 200, CONTENT_TYPES['.json'], JSON.stringify(value));
}

function sendFile(response, file) {
  fs.readFile(file, (error, body) => {
    if (error) return send(response, 404, 'text/plain', 'not found');

    send(response, 200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body);
  });
}

/** Maps /widget/<file> onto dist/ without letting `..` walk out of it. */
function distFile(distDir, urlPath) {
  const relative = decodeURIComponent(urlPath.slice('/widget/'.length));
  const file = path.resolve(distDir, relative);

  return file.startsWith(distDir + path.sep) ? file : null;
}

function createHandler(options) {
  const vendor = vendorFiles();
  const harnessPage = path.join(__dirname, 'harness.html');

  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://harness.local');

    if (request.method !== 'GET') return send(response, 405, 'text/plain', 'GET only');

    if (url.pathname === '/' || url.pathname === '/harness.html') {
      return sendFile(response, harnessPage);
    }

    if (url.pathname === '/harness-config.json') {
      return sendJson(response, {
        backendUrl: options.backendUrl,
        widgetCode: options.widgetCode,
        subdomain: options.subdomain,
        accountId: options.accountId,
        userId: options.userId,
      });
    }

    if (url.pathname === '/token') {
      const claims = tokenClaims(options, url.searchParams.get('admin') !== '0');
      const token = jwt.sign(claims, options.secret, { algorithm: 'HS256' });

      return sendJson(response, { token, expiresAt: claims.exp });
    }

    if (vendor[url.pathname]) return sendFile(response, vendor[url.pathname]);

    if (url.pathname.startsWith('/widget/')) {
      const file = distFile(options.distDir, url.pathname);

      return file ? sendFile(response, file) : send(response, 404, 'text/plain', 'not found');
    }

    send(response, 404, 'text/plain', 'not found');
  };
}

/**
 * Starts the harness on 127.0.0.1. Pass port 0 for a free port. Resolves once listening.
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
async function startHarness(input = {}) {
  const options = resolveOptions(input);

  if (!fs.existsSync(path.join(options.distDir, 'script.js'))) {
    throw new Error(`no built widget in ${options.distDir}: run "npm run build -w widget" first`);
  }

  const server = http.createServer(createHandler(options));

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });

  const { port } = server.address();
  const close = () =>
    new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });

  return { url: `http://${options.host}:${port}/`, port, close };
}

exports.startHarness = startHarness;
exports.tokenClaims = tokenClaims;

if (require.main === module) {
  startHarness().then(
    ({ url }) => {
      console.log(`widget harness on ${url}`);
      console.log(`backend: ${process.env.BACKEND_URL ?? 'http://127.0.0.1:3000'}`);
      console.log(
        `let the backend accept this page: WIDGET_ALLOWED_ORIGINS=${new URL(url).origin}`,
      );
      console.log('query: ?lead=<id|0>&view=card|advanced&lang=en|es|pt|ru&admin=0&backend=<url>');
    },
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
