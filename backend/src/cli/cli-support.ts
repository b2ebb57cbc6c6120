import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { loadEnvFile } from '../config/env-file';

export type Print = (line: string) => void;

export const printToStdout: Print = (line) => process.stdout.write(`${line}\n`);

/** The value of `--name value` or `--name=value`. */
export function argValue(argv: string[], name: string): string | undefined {
  const flag = `--${name}`;
  for (const [index, arg] of argv.entries()) {
    if (arg === flag) return argv[index + 1];
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }

  return undefined;
}

/**
 * Runs one task inside the service's modules without the HTTP server or the send worker,
 * so a one-off command never races the running service for the outbox. Answers the exit
 * code: 0 when the task succeeded, 1 when it or the configuration failed.
 */
export async function runTask(
  print: Print,
  task: (app: INestApplicationContext) => Promise<void>,
): Promise<number> {
  loadEnvFile();
  process.env.WORKER_ENABLED = 'false';
  try {
    loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      print(error.message);
      return 1;
    }
    throw error;
  }

  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule, {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    await task(app);

    return 0;
  } catch (error) {
    print(`Failed: ${describe(error)}`);

    return 1;
  } finally {
    await app?.close();
  }
}

function describe(error: unknown): string {
  const body = (error as { getResponse?: () => unknown }).getResponse?.();
  if (body && typeof body === 'object' && 'message' in body) {
    const { message, fields } = body as { message: string; fields?: Record<string, string> };
    const details = Object.entries(fields ?? {}).map(([field, problem]) => `${field} ${problem}`);

    return [message, ...details].join('; ');
  }

  return error instanceof Error ? error.message : String(error);
}
