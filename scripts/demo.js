#!/usr/bin/env node
/*
 * The whole flow on one machine: the Kommo and Postmark simulators, the real backend on a
 * fresh embedded database, a stage-change webhook from the samples, the email it produces,
 * the client's reply to that email, and the delivery events. Prints each step.
 *
 *   npm run demo            runs the flow, then keeps everything up to poke by hand
 *   npm run demo -- --once  runs the flow and exits: 0 when every step worked
 */
'use strict';

const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const Sqlite = require('better-sqlite3');
const { KommoSimulator, PostmarkSimulator, FIXTURES_DIR } = require('@kp/simulators');

const ROOT = resolve(__dirname, '..');
const once = process.argv.includes('--once');
const secrets = {
  kommoToken: 'demo-kommo-long-lived-token-0001',
  webhookToken: 'demo-kommo-webhook-path-token',
  postmarkToken: 'demo-postmark-server-token',
  webhookUser: 'postmark',
  webhookPassword: 'demo-webhook-password',
  adminKey: 'demo-admin-api-key-000000000000',
  appSecret: 'demo-app-secret-0000000000000000000000000',
};
const INBOUND_ADDRESS = '3f9c1e7a8b2d4c6e@inbound.postmarkapp.com';
const color = process.stdout.isTTY ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_c, t) => t;

let backend;
let kommo;
let postmark;
let step = 0;
let dataDir;

async function main() {
  const port = Number(process.env.PORT) || (await freePort());
  dataDir = mkdtempSync(join(tmpdir(), 'kommo-postmark-demo-'));
  const backendUrl = `http://127.0.0.1:${port}`;
  const auth = { user: secrets.webhookUser, password: secrets.webhookPassword };

  await run('start the Kommo and Postmark simulators', async () => {
    kommo = new KommoSimulator({ accessToken: secrets.kommoToken });
    postmark = new PostmarkSimulator({ serverToken: secrets.postmarkToken });
    await kommo.start(Number(process.env.KOMMO_SIM_PORT) || 0);
    await postmark.start(Number(process.env.POSTMARK_SIM_PORT) || 0);
    postmark.autoEvents = {
      url: `${backendUrl}/webhooks/postmark/events`,
      auth,
      delayMs: 300,
      kinds: ['Delivery', 'Open', 'Click'],
    };

    return `Kommo at ${kommo.url}, Postmark at ${postmark.url}`;
  });

  await run('start the backend on the embedded database', async () => {
    backend = spawn(process.execPath, [join(ROOT, 'backend/dist/main.js')], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        KOMMO_SUBDOMAIN: kommo.subdomain,
        KOMMO_API_URL: kommo.url,
        KOMMO_LONG_LIVED_TOKEN: secrets.kommoToken,
        KOMMO_WEBHOOK_TOKEN: secrets.webhookToken,
        KOMMO_CLIENT_SECRET: 'demo-kommo-client-secret',
        POSTMARK_SERVER_TOKEN: secrets.postmarkToken,
        POSTMARK_API_URL: postmark.url,
        POSTMARK_FROM: 'bookings@acmetravel.example',
        POSTMARK_INBOUND_ADDRESS: INBOUND_ADDRESS,
        POSTMARK_WEBHOOK_USER: secrets.webhookUser,
        POSTMARK_WEBHOOK_PASSWORD: secrets.webhookPassword,
        ADMIN_API_KEY: secrets.adminKey,
        APP_SECRET: secrets.appSecret,
        STAGE_RULES: JSON.stringify([
          { pipelineId: 7711001, statusId: 61822003, templateAlias: 'deal-won-confirmation' },
        ]),
        NOTES_LOCALE: 'en',
        LOG_LEVEL: process.env.LOG_LEVEL || 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    backend.on('exit', (code, signal) => {
      if (!stopping) fail(`the backend exited (${signal || code}); see its output above`);
    });
    await waitFor(async () => (await fetch(`${backendUrl}/health`).catch(() => null))?.ok, 30_000);

    return `listening on ${backendUrl}, data in ${dataDir}`;
  });

  await run('register the webhooks in Kommo and Postmark (what setup:webhooks does)', async () => {
    const result = await api(backendUrl, '/api/v1/setup/webhooks', { publicUrl: backendUrl });
    const ready = await fetch(`${backendUrl}/health/ready`);

    return `${summarize(result)}; /health/ready answers ${ready.status}`;
  });

  const webhook = readFileSync(join(FIXTURES_DIR, 'kommo/status-webhook.form.txt'), 'utf8');
  await run(
    'Kommo: lead 4410021 enters stage 61822003, which has a rule (status-webhook.form.txt)',
    async () => {
      const started = process.hrtime.bigint();
      const answer = await kommo.postStatusWebhook(
        `${backendUrl}/webhooks/kommo/${secrets.webhookToken}`,
        webhook,
      );
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (answer.status !== 200)
        throw new Error(`webhook answered ${answer.status}: ${answer.body}`);

      return `answered 200 in ${ms.toFixed(1)} ms: ${answer.body}`;
    },
  );

  const email = await run('Postmark: the templated email goes out', async () => {
    await waitFor(() => postmark.sent.length > 0, 15_000);
    const sent = postmark.sent[0];
    info(`to ${sent.To}, template ${sent.TemplateAlias}, subject "${sent.subject}"`);
    info(`reply-to ${sent.ReplyTo}`);

    return sent;
  });

  await run('Kommo: a note on lead 4410021 says what was sent to whom', async () => {
    await waitFor(() => notesOn(4410021).length > 0, 15_000);

    return `"${notesOn(4410021)[0].params.text}"`;
  });

  await run('Postmark: delivery, open and click events come back', async () => {
    const status = await waitFor(async () => {
      const messages = await api(backendUrl, '/api/v1/messages?leadId=4410021').catch(() => null);
      const current = messages?.items?.[0]?.status;
      return current === 'clicked' ? current : null;
    }, 15_000);

    return `message status is now "${status}"`;
  });

  await run('the client replies to that email', async () => {
    const reply = JSON.parse(
      readFileSync(join(FIXTURES_DIR, 'postmark/inbound-reply.json'), 'utf8'),
    );
    const hash = /\+([^@]+)@/.exec(email.ReplyTo)[1];
    reply.MessageID = `demo-reply-${Date.now()}`;
    reply.MailboxHash = hash;
    reply.ToFull = [{ Email: email.ReplyTo, Name: 'Acme Travel', MailboxHash: hash }];
    reply.OriginalRecipient = email.ReplyTo;
    reply.Headers = reply.Headers.map((header) =>
      /^(In-Reply-To|References)$/i.test(header.Name)
        ? { ...header, Value: `<${email.MessageID}@mtasv.net>` }
        : header,
    );
    const answer = await postmark.postInbound(
      `${backendUrl}/webhooks/postmark/inbound`,
      reply,
      auth,
    );
    if (answer.status !== 200) throw new Error(`inbound webhook answered ${answer.status}`);

    return `Postmark posted the reply; answered ${answer.status}`;
  });

  await run('Kommo: the reply lands in lead 4410021 as a note', async () => {
    await waitFor(() => notesOn(4410021).length > 1, 15_000);
    const note = notesOn(4410021)[1].params.text;
    note.split('\n').forEach((line) => info(line));
    // How the service matched it is only in its database: read the row it stored.
    const file = new Sqlite(join(dataDir, 'kommo-postmark.sqlite'), { readonly: true });
    const row = file
      .prepare('select lead_id, matched_by from inbound_messages order by id desc limit 1')
      .get();
    file.close();

    return `stored reply matched lead ${row.lead_id} by "${row.matched_by}"`;
  });

  console.log(color(32, `\nAll ${step} steps worked.`));
  if (once) return stop(0);

  console.log(`
Everything keeps running; try it by hand (Ctrl-C stops it all):
  backend            ${backendUrl}          API docs: ${backendUrl}/docs
  admin API          curl -H 'Authorization: Bearer ${secrets.adminKey}' ${backendUrl}/api/v1/messages
  Kommo webhook      curl -X POST --data-binary @simulators/fixtures/kommo/status-webhook-multi.form.txt \\
                       -H 'Content-Type: application/x-www-form-urlencoded' ${backendUrl}/webhooks/kommo/${secrets.webhookToken}
  Kommo simulator    ${kommo.url}/api/v4/leads/notes (Bearer ${secrets.kommoToken}) is where notes land
  Postmark simulator ${postmark.url}
  health             ${backendUrl}/health/ready    metrics: ${backendUrl}/metrics`);
}

async function run(title, action) {
  step += 1;
  process.stdout.write(`${color(36, `[${step}]`)} ${title}\n`);
  try {
    const result = await action();
    if (typeof result === 'string') info(result);
    return result;
  } catch (error) {
    fail(`step ${step} failed (${title}): ${error instanceof Error ? error.message : error}`);
    // Nothing after a failed step may run; stop() ends the process.
    return new Promise(() => {});
  }
}

function info(text) {
  console.log(`    ${color(90, '→')} ${text}`);
}

function notesOn(leadId) {
  return kommo.notes.filter((note) => note.entity_id === leadId);
}

function summarize(result) {
  const parts = Object.entries(result || {}).map(
    ([name, value]) =>
      `${name}: ${typeof value === 'object' && value ? value.action || value.status || 'ok' : value}`,
  );

  return parts.join(', ') || 'done';
}

async function api(base, path, body) {
  const response = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${secrets.adminKey}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`nothing happened within ${timeoutMs / 1000} s`);
}

function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (backend && backend.exitCode === null) {
    backend.kill('SIGTERM');
    await new Promise((done) => backend.once('exit', done));
  }
  await Promise.allSettled([kommo?.stop(), postmark?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

function fail(message) {
  console.error(color(31, `\n✗ ${message}`));
  void stop(1);
}

process.on('SIGINT', () => {
  console.log('\nstopping…');
  void stop(0);
});
process.on('SIGTERM', () => void stop(0));

main().catch((error) => fail(error instanceof Error ? error.stack : String(error)));
