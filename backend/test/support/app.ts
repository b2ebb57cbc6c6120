import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { KommoSimulator, PostmarkSimulator } from '@kp/simulators';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { DatabaseService } from '../../src/database/database.service';
import { SendWorker } from '../../src/sending/send-worker.service';
import { configureApp } from '../../src/setup';
import { freshDatabaseSettings, TestDatabaseSettings } from './database';

export const WEBHOOK_TOKEN = 'kommo-webhook-token-for-tests';
export const POSTMARK_AUTH = { user: 'postmark', password: 'webhook-password-for-tests' };
export const ADMIN_KEY = 'admin-key-for-tests-0123456789abcdef';
export const APP_SECRET = 'app-secret-for-tests-0123456789abcdef-0123';
export const INBOUND_ADDRESS = '3f9c1e7a8b2d4c6e@inbound.postmarkapp.com';
export const KOMMO_TOKEN = 'kommo-long-lived-token-for-tests';
export const PIPELINE = 7711001;
export const PROPOSAL_STAGE = 61822003;

export const DEFAULT_RULES = [
  { pipelineId: PIPELINE, statusId: PROPOSAL_STAGE, templateAlias: 'deal-won-confirmation' },
  { pipelineId: 9999999, statusId: 142, templateAlias: 'proposal-sent' },
];

export interface TestApp {
  app: INestApplication;
  url: string;
  kommo: KommoSimulator;
  postmark: PostmarkSimulator;
  config: AppConfig;
  database: DatabaseService;
  worker: SendWorker;
  env: Record<string, string>;
  /** Runs the worker until the outbox and the Kommo write queue are empty. */
  drain: () => Promise<void>;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  kommo?: KommoSimulator;
  postmark?: PostmarkSimulator;
  /** Leave the timer-driven worker off so a test steps it with drain(). */
  worker?: boolean;
}

/**
 * The environment of a service pointed at the simulators and a fresh database, as the test app
 * and the child-process suites both start it.
 */
export function serviceEnv(
  kommoUrl: string,
  postmarkUrl: string,
  database: TestDatabaseSettings,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KOMMO_SUBDOMAIN: 'acmetravel',
    KOMMO_API_URL: kommoUrl,
    KOMMO_LONG_LIVED_TOKEN: KOMMO_TOKEN,
    KOMMO_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    POSTMARK_SERVER_TOKEN: 'postmark-test-token',
    POSTMARK_API_URL: postmarkUrl,
    POSTMARK_FROM: 'bookings@acmetravel.example',
    POSTMARK_INBOUND_ADDRESS: INBOUND_ADDRESS,
    POSTMARK_WEBHOOK_USER: POSTMARK_AUTH.user,
    POSTMARK_WEBHOOK_PASSWORD: POSTMARK_AUTH.password,
    ADMIN_API_KEY: ADMIN_KEY,
    APP_SECRET,
    STAGE_RULES: JSON.stringify(DEFAULT_RULES),
    DATA_DIR: database.DATA_DIR,
    ...(database.DATABASE_URL
      ? { DATABASE_URL: database.DATABASE_URL, DATABASE_SCHEMA: database.DATABASE_SCHEMA! }
      : {}),
    RETRY_BASE_MS: '20',
    ...extra,
  };
}

/** Boots the real Nest app on 127.0.0.1 against fresh simulators and a fresh database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const kommo = options.kommo ?? new KommoSimulator({ accessToken: KOMMO_TOKEN });
  const postmark = options.postmark ?? new PostmarkSimulator();
  const ownKommo = !options.kommo;
  const ownPostmark = !options.postmark;
  if (ownKommo) await kommo.start();
  if (ownPostmark) await postmark.start();
  const databaseSettings = freshDatabaseSettings();

  const env = serviceEnv(kommo.url, postmark.url, databaseSettings, {
    KOMMO_CLIENT_SECRET: 'kommo-client-secret-for-tests',
    WORKER_POLL_MS: '20',
    WORKER_ENABLED: options.worker === false ? 'false' : 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const config = loadConfig(env);

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const worker = app.get(SendWorker);

  return {
    app,
    url,
    kommo,
    postmark,
    config,
    env,
    database: app.get(DatabaseService),
    worker,
    drain: () => drainAll(app),
    close: async () => {
      await app.close();
      if (ownKommo) await kommo.stop();
      if (ownPostmark) await postmark.stop();
      await databaseSettings.cleanup();
    },
  };
}

/** Rows still waiting, per queue: emails, Kommo writes and replies not yet matched. */
export async function pendingWork(database: DatabaseService) {
  const count = async (
    table: 'messages' | 'kommo_outbox' | 'inbound_messages',
    statuses: string[],
  ) => {
    const row = await database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', statuses)
      .executeTakeFirstOrThrow();

    return Number(row.n);
  };

  return {
    emails: await count('messages', ['queued', 'sending']),
    kommoWrites: await count('kommo_outbox', ['pending']),
    replies: await count('inbound_messages', ['received']),
  };
}

/** Until nothing is queued: emails, notes and tags, and replies waiting to be matched. */
async function drainAll(app: INestApplication): Promise<void> {
  const worker = app.get(SendWorker);
  const database = app.get(DatabaseService);
  for (let round = 0; round < 400; round += 1) {
    await worker.drain();
    const pending = await pendingWork(database);
    if (pending.emails + pending.kommoWrites + pending.replies === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the outbox did not drain');
}

export function basicAuth(user = POSTMARK_AUTH.user, password = POSTMARK_AUTH.password): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
