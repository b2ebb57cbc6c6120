import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { configureApp } from './setup';

/** A .env in the working directory (or ENV_FILE) fills what the environment leaves unset. */
function loadEnvFile(): void {
  const file = process.env.ENV_FILE ?? '.env';
  if (existsSync(file)) process.loadEnvFile(file);
}

async function main(): Promise<void> {
  loadEnvFile();
  try {
    loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }

  const app = await NestFactory.create(AppModule, { bodyParser: false, bufferLogs: true });
  configureApp(app);
  const config = app.get(AppConfig);
  await app.listen(config.PORT, process.env.HOST ?? '0.0.0.0');
}

void main();
