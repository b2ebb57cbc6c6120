import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

export const NOTE_LOCALES = ['en', 'es', 'pt', 'ru'] as const;
export type NoteLocale = (typeof NOTE_LOCALES)[number];

export interface StageRuleConfig {
  pipelineId: number;
  statusId: number;
  templateAlias: string;
  note?: string;
  resendPolicy?: 'once' | 'every_entry';
}

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** true/false, 1/0, yes/no, on/off in any case; anything else stays a string and fails IsBoolean. */
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '' || typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;

  return value;
};

/**
 * Every setting the service reads from the environment. Validated once at start-up;
 * a bad value stops the process with one message naming every problem.
 */
export class AppConfig {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR = './data';

  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]*$/, { message: 'must be a lowercase schema name' })
  DATABASE_SCHEMA?: string;

  @Matches(/^[a-z0-9-]+$/, { message: 'must be the account subdomain, e.g. acmetravel' })
  KOMMO_SUBDOMAIN!: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  KOMMO_API_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(20)
  KOMMO_LONG_LIVED_TOKEN?: string;

  @IsOptional()
  @IsString()
  KOMMO_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(8)
  KOMMO_CLIENT_SECRET?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  KOMMO_REDIRECT_URI?: string;

  @IsString()
  @MinLength(16, { message: 'must be a random secret of at least 16 characters' })
  KOMMO_WEBHOOK_TOKEN!: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  KOMMO_RATE_LIMIT = 7;

  @IsString()
  @MinLength(1)
  POSTMARK_SERVER_TOKEN!: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  POSTMARK_API_URL?: string;

  @Matches(/^(.*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/, {
    message: 'must be a verified sender address',
  })
  POSTMARK_FROM!: string;

  @IsOptional()
  @IsString()
  POSTMARK_MESSAGE_STREAM = 'outbound';

  @Matches(/^[^\s@+]+@[^\s@]+$/, {
    message: 'must be the inbound address, e.g. 3f9c…@inbound.postmarkapp.com (without +hash)',
  })
  POSTMARK_INBOUND_ADDRESS!: string;

  @IsString()
  @MinLength(1)
  POSTMARK_WEBHOOK_USER!: string;

  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  POSTMARK_WEBHOOK_PASSWORD!: string;

  @IsString()
  @MinLength(24, { message: 'must be a random key of at least 24 characters' })
  ADMIN_API_KEY!: string;

  @IsString()
  @MinLength(32, { message: 'must be a random secret of at least 32 characters' })
  APP_SECRET!: string;

  @IsOptional()
  STAGE_RULES: StageRuleConfig[] = [];

  @IsOptional()
  @IsIn(NOTE_LOCALES)
  NOTES_LOCALE: NoteLocale = 'en';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SEND_MAX_ATTEMPTS = 8;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  WORKER_POLL_MS = 250;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  RETRY_BASE_MS = 2000;

  /** How long claimed rows stay reserved. Renewed while a batch runs; bounds crash recovery. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  WORKER_LEASE_MS = 120_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  KOMMO_TIMEOUT_MS = 20_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  POSTMARK_TIMEOUT_MS = 30_000;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  WORKER_ENABLED = true;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  NOTES_ON_OPEN_CLICK = false;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RECONCILE_AFTER_MINUTES = 60;

  @IsOptional()
  @IsString()
  TAG_BOUNCED = 'email_invalid';

  @IsOptional()
  @IsString()
  TAG_SPAM = 'email_spam_complaint';

  @IsOptional()
  @IsString()
  TAG_UNSUBSCRIBED = 'email_unsubscribed';

  @IsOptional()
  @IsString()
  WIDGET_ALLOWED_ORIGINS?: string;

  /** The `aud` Kommo puts in the widget's X-Auth-Token; see widgetTokenAudience. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  WIDGET_TOKEN_AUDIENCE?: string;

  /** When set, widget tokens must also carry this account_id. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  KOMMO_ACCOUNT_ID?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  get kommoBaseUrl(): string {
    return (this.KOMMO_API_URL ?? `https://${this.KOMMO_SUBDOMAIN}.kommo.com`).replace(/\/$/, '');
  }

  get usesOAuth(): boolean {
    return !this.KOMMO_LONG_LIVED_TOKEN;
  }

  /**
   * The audience widget tokens must name: WIDGET_TOKEN_AUDIENCE, else the origin of
   * KOMMO_REDIRECT_URI (what Kommo signs into `aud`). Null when neither is set: a setup with
   * a long-lived token and no redirect URI has no audience to check.
   */
  get widgetTokenAudience(): string | null {
    if (this.WIDGET_TOKEN_AUDIENCE) return this.WIDGET_TOKEN_AUDIENCE.replace(/\/+$/, '');

    return this.KOMMO_REDIRECT_URI ? new URL(this.KOMMO_REDIRECT_URI).origin : null;
  }
}

export class ConfigError extends Error {}

/** Every variable AppConfig reads; STAGE_RULES is parsed on its own. */
const CONFIG_KEYS = Object.getOwnPropertyNames(new AppConfig())
  .concat([
    'DATABASE_URL',
    'DATABASE_SCHEMA',
    'KOMMO_SUBDOMAIN',
    'KOMMO_API_URL',
    'KOMMO_LONG_LIVED_TOKEN',
    'KOMMO_CLIENT_ID',
    'KOMMO_CLIENT_SECRET',
    'KOMMO_REDIRECT_URI',
    'KOMMO_WEBHOOK_TOKEN',
    'POSTMARK_SERVER_TOKEN',
    'POSTMARK_API_URL',
    'POSTMARK_FROM',
    'POSTMARK_INBOUND_ADDRESS',
    'POSTMARK_WEBHOOK_USER',
    'POSTMARK_WEBHOOK_PASSWORD',
    'ADMIN_API_KEY',
    'APP_SECRET',
    'WIDGET_ALLOWED_ORIGINS',
    'WIDGET_TOKEN_AUDIENCE',
    'KOMMO_ACCOUNT_ID',
  ])
  .filter((key) => key !== 'STAGE_RULES');

function describeErrors(errors: ValidationError[]): string[] {
  return errors.map((error) => {
    if (error.value === undefined) return `${error.property}: is required`;
    // The first reason is the one that matters ("must be an integer", not also its range).
    const [reason] = Object.values(error.constraints ?? {}).map((text) =>
      text.replace(error.property, '').trim(),
    );

    return `${error.property}: ${reason}`;
  });
}

function parseStageRules(raw: string | undefined, problems: string[]): StageRuleConfig[] {
  if (!raw || raw.trim() === '') return [];

  const expected =
    'must be a JSON array of {pipelineId, statusId, templateAlias, note?, resendPolicy?}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`STAGE_RULES: ${expected} (not valid JSON)`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(`STAGE_RULES: ${expected}`);
    return [];
  }

  const rules: StageRuleConfig[] = [];
  parsed.forEach((item, index) => {
    const rule = item as Record<string, unknown>;
    const ok =
      Number.isInteger(rule?.pipelineId) &&
      Number.isInteger(rule?.statusId) &&
      typeof rule?.templateAlias === 'string' &&
      rule.templateAlias !== '' &&
      (rule.note === undefined || typeof rule.note === 'string') &&
      (rule.resendPolicy === undefined ||
        ['once', 'every_entry'].includes(String(rule.resendPolicy)));
    if (ok) rules.push(rule as unknown as StageRuleConfig);
    else problems.push(`STAGE_RULES[${index}]: ${expected}`);
  });

  return rules;
}

/** Reads and validates the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const plain: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    if (env[key] !== undefined && env[key] !== '') plain[key] = env[key];
  }
  plain.STAGE_RULES = parseStageRules(env.STAGE_RULES, problems);

  const config = plainToInstance(AppConfig, plain);
  problems.push(...describeErrors(validateSync(config, { forbidUnknownValues: false })));

  const oauthKeys = ['KOMMO_CLIENT_ID', 'KOMMO_CLIENT_SECRET', 'KOMMO_REDIRECT_URI'] as const;
  if (!config.KOMMO_LONG_LIVED_TOKEN) {
    for (const key of oauthKeys) {
      if (!config[key]) {
        problems.push(`${key}: required for OAuth when KOMMO_LONG_LIVED_TOKEN is not set`);
      }
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(
      `Configuration is invalid (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
        problems.map((line) => `  - ${line}`).join('\n'),
    );
  }

  return config;
}
