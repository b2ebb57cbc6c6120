#!/usr/bin/env node
/*
 * Sending benchmark: the built service as a child process against the Kommo and Postmark
 * simulators (127.0.0.1, started here), with Kommo's limit enforced at 7 requests a second.
 *
 *   1. a 1,000-lead stage move: Kommo and Postmark calls, and the time from posting the webhook
 *      until every email is sent and every note written, against the least time the limit
 *      allows for those Kommo calls;
 *   2. the same work done the naive way, one lead at a time (3 Kommo calls and 1 Postmark send
 *      each, through the same limit), on a sample of leads, extrapolated to 1,000;
 *   3. webhook acknowledgement latency under a steady 200 single-lead webhooks a second;
 *   4. the service's peak resident memory (VmHWM).
 *
 * Usage: npm run bench (builds first), or node bench/run.js after a build.
 *   BENCH_NAIVE_SAMPLE   leads in the naive run (default 100)
 *   BENCH_ACK_SECONDS    length of the acknowledgement run (default 10)
 * Prints a table, writes bench/results/<timestamp>.json, exits 1 when a target is missed.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { KommoSimulator, PostmarkSimulator } = require('@kp/simulators');

const ROOT = resolve(__dirname, '..');
const RESULTS_DIR = join(__dirname, 'results');
const KOMMO_RATE = 7;
const MOVE_LEADS = 1000;
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE) || 100;
const ACK_RATE = 200;
const ACK_SECONDS = Number(process.env.BENCH_ACK_SECONDS) || 10;

const PIPELINE = 7711001;
const QUALIFIED = 61822002;
const PROPOSAL = 61822003;
const TEMPLATE = 'deal-won-confirmation';

const secrets = {
  kommoToken: 'bench-kommo-long-lived-token-0001',
  webhookToken: 'bench-kommo-webhook-path-token',
  postmarkToken: 'bench-postmark-server-token',
  webhookPassword: 'bench-webhook-password',
  adminKey: 'bench-admin-api-key-000000000000',
  appSecret: 'bench-app-secret-00000000000000000000000',
};

const TARGETS = {
  kommoCalls: 30,
  postmarkCalls: 2,
  wallOverBound: 1.5,
  speedup: 50,
  ackP99Ms: 25,
  peakRssMb: 300,
};

let service;
let kommo;
let postmark;
let dataDir;

async function main() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logFile = join(RESULTS_DIR, `${stamp}.service.log`);

  kommo = new KommoSimulator({ accessToken: secrets.kommoToken, rateLimitPerSecond: KOMMO_RATE });
  postmark = new PostmarkSimulator({ serverToken: secrets.postmarkToken });
  await kommo.start();
  await postmark.start();
  const moveLeads = kommo.generateLeads(MOVE_LEADS);
  const naiveLeads = kommo.generateLeads(NAIVE_SAMPLE);
  const ackLeads = kommo.generateLeads(ACK_RATE * ACK_SECONDS);

  const loadBefore = os.loadavg()[0];
  say(`starting the service (log: ${logFile})`);
  service = await startService(logFile);
  // The start-up template check is the only call the service makes on its own.
  await until(() => postmark.requests.some((call) => call.path === '/templates'), 10_000);
  await quietKommoWindow();

  say(`1. stage move of ${MOVE_LEADS} leads in one webhook`);
  const move = await runMove(moveLeads);

  say(`2. naive path, one lead at a time, on a sample of ${NAIVE_SAMPLE} leads`);
  await quietKommoWindow();
  const naive = await runNaive(naiveLeads);

  say(`3. ${ACK_RATE} single-lead webhooks a second for ${ACK_SECONDS} s`);
  const ackBodies = ackLeads.map((leadId) => kommo.buildStatusWebhook([toProposal(leadId)]));
  const cpuBefore = cpuSnapshot();
  const ack = await runAcks(ackBodies);
  ack.cpu = cpuShares(cpuBefore, cpuSnapshot());

  say('   waiting for the service to finish those emails and notes before reading its memory');
  const settled = await until(() => allDone(ackLeads), 120_000).then(
    () => true,
    () => false,
  );
  const memory = readMemory(service.child.pid);

  const load = { before: round(loadBefore), after: round(os.loadavg()[0]) };
  const results = summarize({ move, naive, ack, memory, settled, load });
  print(results);
  fs.writeFileSync(join(RESULTS_DIR, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  say(`results written to bench/results/${stamp}.json`);

  return results.targetsMet ? 0 : 1;
}

// ---- 1. the stage move through the service ---------------------------------------------------

async function runMove(leadIds) {
  kommo.reset();
  postmark.reset();
  const body = kommo.buildStatusWebhook(leadIds.map(toProposal));

  const started = performance.now();
  const answer = await post(`${service.url}/webhooks/kommo/${secrets.webhookToken}`, body);
  const ackMs = performance.now() - started;
  if (answer.status !== 200 || JSON.parse(answer.body).queued !== leadIds.length) {
    throw new Error(`the webhook was not accepted: ${answer.status} ${answer.body}`);
  }
  await until(
    () => postmark.sent.length >= leadIds.length && kommo.notes.length >= leadIds.length,
    120_000,
    2,
  );
  const wallMs = performance.now() - started;
  // Anything late (a duplicate, a stray call) would show up in this pause.
  await sleep(1000);

  const sendIds = new Set(postmark.sent.map((email) => email.Metadata && email.Metadata.send_id));
  const kommoCalls = kommo.countCalls();

  return {
    leads: leadIds.length,
    webhookAckMs: round(ackMs),
    wallMs: round(wallMs),
    kommoCalls,
    kommoCallsByKind: callKinds(kommo.requests.filter((call) => call.path.startsWith('/api/'))),
    kommo429: kommo.countCalls((call) => call.status === 429),
    postmarkCalls: postmark.countCalls(),
    emails: postmark.sent.length,
    distinctSendIds: sendIds.size,
    notes: kommo.notes.length,
    lowerBoundMs: lowerBoundMs(kommoCalls),
  };
}

/**
 * The least time the limit allows between the first and the last of `calls` requests: at most
 * KOMMO_RATE of them fit in any one second, so the last cannot start before this.
 */
function lowerBoundMs(calls) {
  return Math.floor(Math.max(0, calls - 1) / KOMMO_RATE) * 1000;
}

// ---- 2. the naive path ------------------------------------------------------------------------

/**
 * What a hand-written integration usually does for each lead of the webhook: read the lead,
 * read its contact, send one email, add one note. Kommo calls are spaced to stay under the
 * limit (a 429 waits a second and tries again), as such integrations learn to do.
 */
async function runNaive(leadIds) {
  const kommoBefore = kommo.countCalls();
  const postmarkBefore = postmark.countCalls();
  // The same spacing as the service's limiter: a fair comparison, and no 429s at the window edge.
  const spacing = Math.ceil(1000 / KOMMO_RATE) + 5;
  let lastKommoCall = 0;
  let retried429 = 0;

  const kommoCall = async (method, path, payload) => {
    for (;;) {
      const wait = lastKommoCall + spacing - performance.now();
      if (wait > 0) await sleep(wait);
      lastKommoCall = performance.now();
      const answer = await request(method, `${kommo.url}${path}`, payload, {
        Authorization: `Bearer ${secrets.kommoToken}`,
      });
      if (answer.status === 429) {
        retried429 += 1;
        await sleep(1000);
        continue;
      }
      if (answer.status >= 300) throw new Error(`naive ${method} ${path}: ${answer.status}`);

      return answer.body ? JSON.parse(answer.body) : undefined;
    }
  };

  const started = performance.now();
  for (const leadId of leadIds) {
    const lead = await kommoCall('GET', `/api/v4/leads/${leadId}?with=contacts`);
    const link = lead._embedded.contacts.find((contact) => contact.is_main);
    const contact = await kommoCall('GET', `/api/v4/contacts/${link.id}`);
    const emailField = contact.custom_fields_values.find((field) => field.field_code === 'EMAIL');
    const to = emailField.values[0].value;
    const sent = await request(
      'POST',
      `${postmark.url}/email/withTemplate`,
      {
        TemplateAlias: TEMPLATE,
        TemplateModel: { client_name: contact.name, deal_name: lead.name, deal_id: lead.id },
        From: 'bookings@acmetravel.example',
        To: to,
        MessageStream: 'outbound',
      },
      { 'X-Postmark-Server-Token': secrets.postmarkToken, Accept: 'application/json' },
    );
    if (sent.status !== 200) throw new Error(`naive send for lead ${leadId}: ${sent.status}`);
    await kommoCall('POST', '/api/v4/leads/notes', [
      { entity_id: lead.id, note_type: 'common', params: { text: `Email sent to ${to}` } },
    ]);
  }
  const sampleMs = performance.now() - started;

  return {
    sampleLeads: leadIds.length,
    sampleMs: round(sampleMs),
    kommoCalls: kommo.countCalls() - kommoBefore,
    postmarkCalls: postmark.countCalls() - postmarkBefore,
    retried429,
    extrapolatedMs: round((sampleMs / leadIds.length) * MOVE_LEADS),
  };
}

// ---- 3. acknowledgement latency ---------------------------------------------------------------

/** Open loop: request i leaves at i / ACK_RATE seconds whatever the earlier ones are doing. */
async function runAcks(bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(`${service.url}/webhooks/kommo/${secrets.webhookToken}`);
  const latencies = [];
  const failures = [];
  const pending = [];
  const interval = 1000 / ACK_RATE;

  const fire = (body) =>
    new Promise((done) => {
      const started = performance.now();
      const call = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (answer) => {
          answer.resume();
          answer.on('end', () => {
            if (answer.statusCode === 200) latencies.push(performance.now() - started);
            else failures.push(`HTTP ${answer.statusCode}`);
            done();
          });
        },
      );
      call.on('error', (error) => {
        failures.push(error.message);
        done();
      });
      call.end(body);
    });

  const started = performance.now();
  let next = 0;
  while (next < bodies.length) {
    const due = Math.min(bodies.length, Math.floor((performance.now() - started) / interval) + 1);
    while (next < due) pending.push(fire(bodies[next++]));
    await sleep(1);
  }
  const sendingMs = performance.now() - started;
  await Promise.all(pending);
  agent.destroy();

  latencies.sort((a, b) => a - b);

  return {
    requests: bodies.length,
    achievedRate: round(bodies.length / (sendingMs / 1000)),
    ok: latencies.length,
    failures: failures.length,
    firstFailure: failures[0] ?? null,
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    maxMs: round(latencies[latencies.length - 1] ?? NaN),
  };
}

function percentile(sorted, share) {
  if (sorted.length === 0) return NaN;

  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

/**
 * CPU time so far, in clock ticks: the whole machine (/proc/stat), the service and this
 * process. What is left over was used by other programs: a busy neighbour on a small machine
 * moves the latency figures, so the report says how busy it was.
 */
function cpuSnapshot() {
  const ticksOf = (pid) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

    return Number(fields[11]) + Number(fields[12]);
  };
  const [, ...times] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const numbers = times.map(Number);
  const idle = numbers[3] + numbers[4];

  return {
    busy: numbers.reduce((sum, value) => sum + value, 0) - idle,
    total: numbers.reduce((sum, value) => sum + value, 0),
    service: ticksOf(service.child.pid),
    bench: ticksOf(process.pid),
  };
}

/** Shares of the machine's capacity (all cores) used during an interval. */
function cpuShares(before, after) {
  const total = after.total - before.total;
  const share = (ticks) => round((ticks / total) * 100);
  const service = after.service - before.service;
  const bench = after.bench - before.bench;
  const others = Math.max(0, after.busy - before.busy - service - bench);

  return { servicePct: share(service), benchPct: share(bench), othersPct: share(others) };
}

// ---- 4. memory --------------------------------------------------------------------------------

function readMemory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);

  return { peakRssMb: round(kb('VmHWM') / 1024), rssAtEndMb: round(kb('VmRSS') / 1024) };
}

// ---- report -----------------------------------------------------------------------------------

function summarize({ move, naive, ack, memory, settled, load }) {
  const wallOverBound = move.wallMs / move.lowerBoundMs;
  const speedup = naive.extrapolatedMs / move.wallMs;
  const checks = {
    kommoCalls: move.kommoCalls <= TARGETS.kommoCalls,
    postmarkCalls: move.postmarkCalls <= TARGETS.postmarkCalls,
    exactlyOnce: [move.emails, move.distinctSendIds, move.notes].every((n) => n === MOVE_LEADS),
    wallOverBound: wallOverBound <= TARGETS.wallOverBound,
    speedup: speedup >= TARGETS.speedup,
    ackP99: ack.p99Ms <= TARGETS.ackP99Ms && ack.failures === 0,
    peakRss: memory.peakRssMb <= TARGETS.peakRssMb,
  };

  return {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: round(os.totalmem() / 2 ** 30),
      node: process.version,
      database: 'SQLite (DATA_DIR in a temp folder)',
      loadAverage1m: load,
    },
    move,
    naive,
    ack,
    memory: { ...memory, afterAllWorkDone: settled },
    ratios: { wallOverBound: round(wallOverBound), speedup: round(speedup) },
    targets: TARGETS,
    checks,
    targetsMet: Object.values(checks).every(Boolean),
  };
}

function print(r) {
  const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const { move, naive, ack, memory, checks, ratios } = r;
  const rows = [
    [
      'Kommo calls, 1,000-lead move',
      `${move.kommoCalls} (${move.kommo429} answered 429)`,
      `≤ ${TARGETS.kommoCalls}`,
      checks.kommoCalls,
    ],
    ['  of which', describeKinds(move.kommoCallsByKind)],
    [
      'Postmark calls',
      String(move.postmarkCalls),
      `≤ ${TARGETS.postmarkCalls}`,
      checks.postmarkCalls,
    ],
    [
      'emails / distinct send ids / notes',
      `${move.emails} / ${move.distinctSendIds} / ${move.notes}`,
      '1000 each',
      checks.exactlyOnce,
    ],
    ['the 1,000-lead webhook answered in', `${move.webhookAckMs} ms`],
    ['wall time (webhook → all sent and noted)', seconds(move.wallMs)],
    [`lower bound, ${move.kommoCalls} calls at ${KOMMO_RATE}/s`, seconds(move.lowerBoundMs)],
    [
      'wall / lower bound',
      `${ratios.wallOverBound}×`,
      `≤ ${TARGETS.wallOverBound}×`,
      checks.wallOverBound,
    ],
    [
      `naive path on ${naive.sampleLeads} leads (Kommo + Postmark calls)`,
      `${seconds(naive.sampleMs)}, ${naive.kommoCalls} + ${naive.postmarkCalls} calls`,
    ],
    ['naive path, extrapolated to 1,000 leads', seconds(naive.extrapolatedMs)],
    ['speed-up over the naive path', `${ratios.speedup}×`, `≥ ${TARGETS.speedup}×`, checks.speedup],
    [
      `webhook ack at ${ACK_RATE}/s, ${ack.requests} requests`,
      `p50 ${ack.p50Ms} ms, p99 ${ack.p99Ms} ms, max ${ack.maxMs} ms, ${ack.failures} failed`,
      `p99 ≤ ${TARGETS.ackP99Ms} ms`,
      checks.ackP99,
    ],
    ['  rate actually sent', `${ack.achievedRate}/s`],
    [
      '  CPU of the machine (both cores) used by',
      `the service ${ack.cpu.servicePct}%, this bench ${ack.cpu.benchPct}%, ` +
        `other programs ${ack.cpu.othersPct}%`,
    ],
    ['  their emails and notes all done after', memory.afterAllWorkDone ? 'yes' : 'NO (timed out)'],
    [
      'peak RSS of the service (VmHWM)',
      `${memory.peakRssMb} MB`,
      `≤ ${TARGETS.peakRssMb} MB`,
      checks.peakRss,
    ],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));

  process.stdout.write('\n');
  for (const [label, value, target = '', ok] of rows) {
    const verdict = ok === undefined ? '' : ok ? 'ok' : 'MISS';
    const cells = [label.padEnd(labelWidth), value.padEnd(valueWidth), target.padEnd(14), verdict];
    process.stdout.write(`  ${cells.join('  ').trimEnd()}\n`);
  }
  const { machine } = r;
  process.stdout.write(
    `\n  ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ` +
      `${machine.database}; load average ${machine.loadAverage1m.before} before, ` +
      `${machine.loadAverage1m.after} after\n  all targets met: ${r.targetsMet ? 'yes' : 'NO'}\n\n`,
  );
}

function callKinds(calls) {
  const kinds = {};
  for (const call of calls) {
    const key = `${call.method} ${call.path.replace('/api/v4', '')}`;
    kinds[key] = (kinds[key] ?? 0) + 1;
  }

  return kinds;
}

function describeKinds(kinds) {
  return Object.entries(kinds)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

// ---- the service process ----------------------------------------------------------------------

async function startService(logFile) {
  const port = await freePort();
  dataDir = fs.mkdtempSync(join(os.tmpdir(), 'kp-bench-'));
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(ROOT, 'backend/dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      KOMMO_SUBDOMAIN: kommo.subdomain,
      KOMMO_API_URL: kommo.url,
      KOMMO_LONG_LIVED_TOKEN: secrets.kommoToken,
      KOMMO_WEBHOOK_TOKEN: secrets.webhookToken,
      KOMMO_RATE_LIMIT: String(KOMMO_RATE),
      POSTMARK_SERVER_TOKEN: secrets.postmarkToken,
      POSTMARK_API_URL: postmark.url,
      POSTMARK_FROM: 'bookings@acmetravel.example',
      POSTMARK_INBOUND_ADDRESS: '3f9c1e7a8b2d4c6e@inbound.postmarkapp.com',
      POSTMARK_WEBHOOK_USER: 'postmark',
      POSTMARK_WEBHOOK_PASSWORD: secrets.webhookPassword,
      ADMIN_API_KEY: secrets.adminKey,
      APP_SECRET: secrets.appSecret,
      STAGE_RULES: JSON.stringify([
        { pipelineId: PIPELINE, statusId: PROPOSAL, templateAlias: TEMPLATE },
      ]),
      LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    },
    stdio: ['ignore', out, out],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (exited) throw new Error(`the service exited during start-up; see ${logFile}`);
    return (await request('GET', `${url}/health`).catch(() => ({ status: 0 }))).status === 200;
  }, 30_000);

  return { url, child, exited: () => exited };
}

// ---- small helpers ----------------------------------------------------------------------------

const toProposal = (leadId) => ({
  leadId,
  statusId: PROPOSAL,
  oldStatusId: QUALIFIED,
  pipelineId: PIPELINE,
});

/** Lets Kommo's rolling one-second window empty, so one phase does not pay for the last. */
function quietKommoWindow() {
  return sleep(1100);
}

/** Every one of these leads has its email sent and its note written. */
function allDone(leadIds) {
  const emailed = new Set(postmark.sent.map((email) => Number(email.Metadata?.lead_id)));
  const noted = new Set(kommo.notes.map((note) => note.entity_id));

  return leadIds.every((leadId) => emailed.has(leadId) && noted.has(leadId));
}

function post(url, body) {
  return request('POST', url, body, { 'Content-Type': 'application/x-www-form-urlencoded' });
}

function request(method, url, payload, headers = {}) {
  const body = typeof payload === 'object' ? JSON.stringify(payload) : payload;
  const allHeaders = { ...headers };
  if (body !== undefined) {
    allHeaders['Content-Length'] = Buffer.byteLength(body);
    allHeaders['Content-Type'] ??= 'application/json';
  }

  return new Promise((done, reject) => {
    const call = http.request(url, { method, headers: allHeaders }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () =>
        done({ status: answer.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    call.on('error', reject);
    call.end(body);
  });
}

function freePort() {
  return new Promise((done, reject) => {
    const server = http.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function until(condition, timeoutMs, everyMs = 20) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

function round(value) {
  return Math.round(value * 100) / 100;
}

function say(line) {
  process.stdout.write(`${line}\n`);
}

async function shutdown() {
  if (service && !service.exited()) {
    service.child.kill('SIGTERM');
    await until(() => service.exited(), 10_000).catch(() => service.child.kill('SIGKILL'));
  }
  await kommo?.stop();
  await postmark?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}

main()
  .then(async (code) => {
    await shutdown();
    process.exit(code);
  })
  .catch(async (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
    await shutdown().catch(() => undefined);
    process.exit(2);
  });
