import { KommoAdminService } from '../admin-api/kommo-admin.service';
import { KommoClient } from '../kommo/kommo.client';
import { argValue, Print, printToStdout, runTask } from './cli-support';

const USAGE = 'Usage: npm run kommo:connect -- --code <authorization code from Kommo>';

/**
 * Connects the Kommo account by OAuth: exchanges the authorization code, stores the token
 * pair encrypted, and proves it works by reading the account. Never prints a token.
 */
export async function kommoConnect(argv: string[], print: Print = printToStdout): Promise<number> {
  const code = argValue(argv, 'code')?.trim();
  if (!code) {
    print(USAGE);
    return 1;
  }

  return runTask(print, async (app) => {
    const status = await app.get(KommoAdminService).connect(code);
    const account = await app.get(KommoClient).getAccount();

    print(`Kommo account ${account.subdomain} (${account.name}) connected through OAuth.`);
    print(`Access token valid until ${status.expiresAt}; it is refreshed automatically.`);
  });
}

if (require.main === module) {
  void kommoConnect(process.argv.slice(2)).then((code) => process.exit(code));
}
