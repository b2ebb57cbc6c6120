import { KommoSimulator } from './kommo/kommo.simulator';
import { PostmarkSimulator } from './postmark/postmark.simulator';

/**
 * Starts both simulators for the demo or for poking at by hand:
 * KOMMO_SIM_PORT (default 8101) and POSTMARK_SIM_PORT (default 8102), on 127.0.0.1 only.
 * KOMMO_SIM_TOKEN and POSTMARK_SIM_TOKEN set the tokens they accept, so a backend .env can use
 * a long-lived token as long as a real one.
 */
async function main(): Promise<void> {
  const kommoToken = process.env.KOMMO_SIM_TOKEN || 'kommo-simulator-long-lived-token';
  const postmarkToken = process.env.POSTMARK_SIM_TOKEN || 'postmark-test-token';
  const kommo = new KommoSimulator({ accessToken: kommoToken });
  const postmark = new PostmarkSimulator({ serverToken: postmarkToken });

  const kommoUrl = await kommo.start(portFromEnv('KOMMO_SIM_PORT', 8101));
  const postmarkUrl = await postmark.start(portFromEnv('POSTMARK_SIM_PORT', 8102));

  console.log(`Kommo simulator     ${kommoUrl}  KOMMO_LONG_LIVED_TOKEN=${kommoToken}`);
  console.log(`Postmark simulator  ${postmarkUrl}  POSTMARK_SERVER_TOKEN=${postmarkToken}`);
  console.log(`OAuth: an authorization code for npm run kommo:connect: ${kommo.issueOAuthCode()}`);
  console.log('Ctrl-C stops both.');

  const shutdown = async () => {
    await Promise.all([kommo.stop(), postmark.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);

  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got '${raw}'`);
  }

  return port;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
