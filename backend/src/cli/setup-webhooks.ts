import { WebhookSetupService } from '../admin-api/webhook-setup.service';
import { argValue, Print, printToStdout, runTask } from './cli-support';

const USAGE = 'Usage: npm run setup:webhooks -- --public-url https://your.host (or set PUBLIC_URL)';

const SAID: Record<string, string> = {
  registered: 'registered',
  enabled_again: 'was switched off; registered again',
  created: 'created',
  updated: 'updated',
  set: 'set',
  unchanged: 'already set up; unchanged',
};

/**
 * Points Kommo and Postmark at this service (see WebhookSetupService) and says what it did.
 * Prints URLs with the secret path token and the credentials hidden.
 */
export async function setupWebhooks(
  argv: string[],
  print: Print = printToStdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const publicUrl = argValue(argv, 'public-url') ?? env.PUBLIC_URL;
  if (!publicUrl) {
    print(USAGE);
    return 1;
  }

  return runTask(print, async (app) => {
    const report = await app.get(WebhookSetupService).run(publicUrl);
    const { kommo, postmarkEvents: events, postmarkInbound: inbound } = report;

    print(`Public URL: ${report.publicUrl}`);
    print(`Kommo status_lead webhook ${kommo.destination}: ${SAID[kommo.action]}`);
    if (kommo.others > 0) {
      print(
        `  Kommo has ${kommo.others} other webhook(s) to /webhooks/kommo/; remove them in Kommo ` +
          'if they are from an old address or token.',
      );
    }
    print(
      `Postmark event webhook #${events.webhookId} (${events.messageStream}) ${events.url}: ` +
        `${SAID[events.action]}; triggers ${events.triggers.join(', ')}`,
    );
    print(`Postmark inbound hook ${inbound.url}: ${SAID[inbound.action]}`);
  });
}

if (require.main === module) {
  void setupWebhooks(process.argv.slice(2)).then((code) => process.exit(code));
}
