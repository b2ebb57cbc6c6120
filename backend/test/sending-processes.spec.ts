import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { KommoSimulator, PostmarkSimulator, SentEmail } from '@kp/simulators';
import { DatabaseService } from '../src/database/database.service';
import { freshDatabaseSettings, TestDatabaseSettings, usingPostgres } from './support/database';
import {
  KOMMO_TOKEN,
  pendingWork,
  PIPELINE,
  PROPOSAL_STAGE,
  serviceEnv,
  WEBHOOK_TOKEN,
} from './support/app';

/**
 * The built service (backend/dist/main.js) as separate processes, the way it runs in
 * production: killed with SIGKILL in the middle of a batch, and two instances sharing one
 * PostgreSQL database. The simulators run here, in the test process.
 */

const BACKEND = resolve(__dirname, '..');
const MAIN = join(BACKEND, 'dist/main.js');
const QUALIFIED_STAGE = 61822002;
const SENT_NOTE = /^Email "deal-won-confirmation" sent to lead\d+@example\.com via Postmark\.$/;

interface Service {
  url: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

/** Fails early when the service was not rebuilt after a change to its sources. */
function assertBuildIsFresh(): void {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) {
        const built = join(BACKEND, 'dist', relative(join(BACKEND, 'src'), path)).replace(
          /\.ts$/,
          '.js',
        );
        const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0;
        if (builtAt < statSync(path).mtimeMs) stale.push(relative(BACKEND, path));
      }
    }
  };
  walk(join(BACKEND, 'src'));
  if (stale.length > 0) {
    throw new Error(`backend/dist is older than ${stale.join(', ')}: run npm run build -w backend`);
  }
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));

  return port;
}

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** A child process gets only what it needs from our environment, plus the shared test env. */
function childEnv(
  kommo: KommoSimulator,
  postmarkUrl: string,
  database: TestDatabaseSettings,
  extra: Record<string, string> = {},
): Record<string, string> {
  return serviceEnv(kommo.url, postmarkUrl, database, {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    WORKER_POLL_MS: '50',
    LOG_LEVEL: 'info',
    ...extra,
  });
}

async function startService(env: Record<string, string>, logDir: string, name: string) {
  const port = await freePort();
  const log = join(logDir, `${name}.log`);
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd: BACKEND,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  let dead = false;
  void exited.then(() => (dead = true));

  await until(`${name} to answer /health (log: ${log})`, async () => {
    if (dead) throw new Error(`${name} exited during start-up:\n${tail(log)}`);
    return (await fetch(`${url}/health`).catch(() => undefined))?.ok === true;
  });

  return { url, child, log, exited } satisfies Service;
}

function tail(log: string): string {
  return readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
}

async function stopService(service: Service, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill(signal);
  await service.exited;
}

async function postWebhook(service: Service, body: string): Promise<{ queued: number }> {
  const response = await fetch(`${service.url}/webhooks/kommo/${WEBHOOK_TOKEN}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(response.status).toBe(200);

  return (await response.json()) as { queued: number };
}

function webhookFor(kommo: KommoSimulator, leadIds: number[]): string {
  return kommo.buildStatusWebhook(
    leadIds.map((leadId) => ({
      leadId,
      statusId: PROPOSAL_STAGE,
      oldStatusId: QUALIFIED_STAGE,
      pipelineId: PIPELINE,
    })),
  );
}

/** Nothing left to do: every email has a final state and every note and tag is written. */
async function isSettled(database: DatabaseService, expected: number): Promise<boolean> {
  const total = await database.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const pending = await pendingWork(database);

  return Number(total.n) === expected && pending.emails === 0 && pending.kommoWrites === 0;
}

function expectExactlyOnce(sent: SentEmail[], notes: KommoSimulator['notes'], leadIds: number[]) {
  const sendIds = new Set(sent.map((email) => email.Metadata?.send_id));
  const emailedLeads = new Set(sent.map((email) => email.Metadata?.lead_id));
  expect(sent).toHaveLength(leadIds.length);
  expect(sendIds.size).toBe(leadIds.length);
  expect([...emailedLeads].sort()).toEqual(leadIds.map(String).sort());

  const ours = notes.filter((note) => leadIds.includes(note.entity_id));
  expect(ours.every((note) => SENT_NOTE.test(note.params.text))).toBe(true);
  expect(ours).toHaveLength(leadIds.length);
  expect(new Set(ours.map((note) => note.entity_id)).size).toBe(leadIds.length);
}

/** An HTTP server that takes requests and never answers: a send that never reaches Postmark. */
async function blackHole(): Promise<{
  url: string;
  received: string[];
  close: () => Promise<void>;
}> {
  const received: string[] = [];
  const server = http.createServer((request) => received.push(`${request.method} ${request.url}`));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

describe('the service as separate processes', () => {
  let kommo: KommoSimulator;
  let postmark: PostmarkSimulator;
  let settings: ReturnType<typeof freshDatabaseSettings>;
  let database: DatabaseService;
  let logDir: string | undefined;
  let services: Service[] = [];

  beforeAll(() => {
    assertBuildIsFresh();
  });

  beforeEach(async () => {
    kommo = new KommoSimulator({ accessToken: KOMMO_TOKEN });
    postmark = new PostmarkSimulator();
    await kommo.start();
    await postmark.start();
    settings = freshDatabaseSettings();
    database = new DatabaseService({
      url: settings.DATABASE_URL,
      dataDir: settings.DATA_DIR,
      schema: settings.DATABASE_SCHEMA,
    });
    logDir = mkdtempSync(join(tmpdir(), 'kp-processes-'));
    services = [];
  });

  afterEach(async () => {
    for (const service of services) await stopService(service, 'SIGKILL');
    await database?.onApplicationShutdown();
    await kommo?.stop();
    await postmark?.stop();
    await settings?.cleanup();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>, name: string) => {
    const service = await startService(env, logDir!, name);
    services.push(service);

    return service;
  };

  it('sends exactly once after a SIGKILL while Postmark holds an accepted batch', async () => {
    const leadIds = kommo.generateLeads(1000);
    // Postmark takes the first batch of 500, then never answers: the ambiguous case.
    postmark.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 60_000, ambiguousTimeouts: true });
    const env = childEnv(kommo, postmark.url, settings, {
      WORKER_LEASE_MS: '2000',
      POSTMARK_TIMEOUT_MS: '30000',
    });
    const first = await start(env, 'first');

    expect(await postWebhook(first, webhookFor(kommo, leadIds))).toEqual(
      expect.objectContaining({ queued: 1000 }),
    );
    await until('the first batch to be accepted and held', () => postmark.sent.length === 500);
    await stopService(first, 'SIGKILL');

    postmark.setFaults({ rate: 0 });
    const second = await start(env, 'second');
    await until('the outbox to settle', () => isSettled(database, 1000));
    await stopService(second);

    expectExactlyOnce(postmark.sent, kommo.notes, leadIds);
    const lookups = postmark.countCalls((call) => call.path === '/messages/outbound');
    expect(lookups).toBe(500);
  }, 60_000);

  it('sends exactly once after a SIGKILL while the batch is still on its way to Postmark', async () => {
    const leadIds = kommo.generateLeads(1000);
    const hole = await blackHole();
    try {
      const env = childEnv(kommo, hole.url, settings, { WORKER_LEASE_MS: '2000' });
      const first = await start(env, 'first');
      await postWebhook(first, webhookFor(kommo, leadIds));
      await until('a batch on its way', () =>
        hole.received.includes('POST /email/batchWithTemplates'),
      );
      await stopService(first, 'SIGKILL');

      const second = await start({ ...env, POSTMARK_API_URL: postmark.url }, 'second');
      await until('the outbox to settle', () => isSettled(database, 1000));
      await stopService(second);
    } finally {
      await hole.close();
    }

    expectExactlyOnce(postmark.sent, kommo.notes, leadIds);
    // The 500 marked as sending were looked up, not found, and sent.
    expect(postmark.countCalls((call) => call.path === '/messages/outbound')).toBe(500);
  }, 60_000);

  const twoInstances = usingPostgres
    ? 'sends exactly once with two instances on one PostgreSQL database'
    : 'sends exactly once with two instances on one PostgreSQL database ' +
      '(SKIPPED: set DATABASE_URL to a PostgreSQL database to run it)';
  (usingPostgres ? it : it.skip)(
    twoInstances,
    async () => {
      const leadIds = kommo.generateLeads(1000);
      // Each instance has its own limiter; together they stay under Kommo's 7 a second.
      const env = childEnv(kommo, postmark.url, settings, { KOMMO_RATE_LIMIT: '3' });
      const [one, two] = await Promise.all([start(env, 'one'), start(env, 'two')]);

      // Ten webhooks of 100 leads, each delivered to both instances at once.
      let queued = 0;
      for (let start = 0; start < leadIds.length; start += 100) {
        const body = webhookFor(kommo, leadIds.slice(start, start + 100));
        const answers = await Promise.all([postWebhook(one, body), postWebhook(two, body)]);
        queued += answers[0].queued + answers[1].queued;
      }
      await until('the outbox to settle', () => isSettled(database, 1000), 80_000);
      // Read before stopping: a clean shutdown clears the instance's name from its rows.
      const owners = await database.db
        .selectFrom('messages')
        .select('lease_owner')
        .distinct()
        .execute();
      await Promise.all([stopService(one), stopService(two)]);

      expect(queued).toBe(1000);
      expectExactlyOnce(postmark.sent, kommo.notes, leadIds);
      expect(owners).toHaveLength(2);
    },
    90_000,
  );
});
