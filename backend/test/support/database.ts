import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DatabaseService } from '../../src/database/database.service';

/** Which database the storage suites run on: PostgreSQL when DATABASE_URL is set, else SQLite. */
export const usingPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabaseSettings {
  DATABASE_URL?: string;
  DATABASE_SCHEMA?: string;
  DATA_DIR: string;
}

/** A fresh, empty database for one suite: a temp SQLite dir, or a new schema on PostgreSQL. */
export function freshDatabaseSettings(): TestDatabaseSettings & { cleanup: () => Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-test-'));
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const url = process.env.DATABASE_URL;

  return {
    DATA_DIR: dataDir,
    DATABASE_URL: url,
    DATABASE_SCHEMA: url ? schema : undefined,
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      if (!url) return;
      const pool = new Pool({ connectionString: url });
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    },
  };
}

export async function openTestDatabase(): Promise<{
  database: DatabaseService;
  cleanup: () => Promise<void>;
}> {
  const settings = freshDatabaseSettings();
  const database = new DatabaseService({
    url: settings.DATABASE_URL,
    dataDir: settings.DATA_DIR,
    schema: settings.DATABASE_SCHEMA,
  });
  await database.migrate();

  return {
    database,
    cleanup: async () => {
      await database.onApplicationShutdown();
      await settings.cleanup();
    },
  };
}
