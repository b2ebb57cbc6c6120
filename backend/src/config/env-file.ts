import { existsSync } from 'node:fs';

/**
 * Reads `.env` from the working directory (or the file named by ENV_FILE) into the
 * environment. Variables already set win, so a process manager can still override them.
 */
export function loadEnvFile(): void {
  const file = process.env.ENV_FILE ?? '.env';
  if (existsSync(file)) process.loadEnvFile(file);
}
