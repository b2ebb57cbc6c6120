export type { FaultKind, FaultOptions } from './common/fault-injector';
export type { PostResult } from './common/post-to';
export type { RecordedRequest } from './common/simulator-server';
export { FIXTURES_DIR, readFixture, readJsonFixture } from './common/fixtures';

export { KommoSimulator } from './kommo/kommo.simulator';
export { emailField } from './kommo/kommo.records';
export { encodeStatusWebhook, phpUrlEncode } from './kommo/status-webhook';
export type { WebhookAccount } from './kommo/status-webhook';
export type { TokenPair } from './kommo/oauth-grants';
export type * from './kommo/kommo.types';

export { PostmarkSimulator } from './postmark/postmark.simulator';
export { renderTemplate, suggestModel, toMustache } from './postmark/mustachio';
export type * from './postmark/postmark.types';
