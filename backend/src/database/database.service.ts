import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool, types } from 'pg';
import { CodeMigrationProvider } from './migrations';
import { Database } from './schema';

// BIGINT columns hold ids and epoch milliseconds, all far below 2^53.
types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  url?: string;
  dataDir: string;
  /** PostgreSQL schema to use and create; tests give each suite its own. */
  schema?: string;
}

@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  private readonly pool?: Pool;
  private readonly schema?: string;

  constructor(options: DatabaseOptions) {
    if (options.url) {
      this.dialect = 'postgres';
      this.schema = options.schema;
      this.pool = new Pool({
        connectionString: options.url,
        max: 10,
        options: options.schema ? `-c search_path=${options.schema}` : undefined,
      });
      this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: this.pool }) });
    } else {
      this.dialect = 'sqlite';
      const dir = resolve(options.dataDir);
      mkdirSync(dir, { recursive: true });
      const file = new SqliteDatabase(join(dir, 'kommo-postmark.sqlite'));
      file.pragma('journal_mode = WAL');
      file.pragma('busy_timeout = 5000');
      file.pragma('synchronous = NORMAL');
      this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
    }
  }

  get isPostgres(): boolean {
    return this.dialect === 'postgres';
  }

  async migrate(): Promise<void> {
    if (this.pool && this.schema) {
      await this.pool.query(`create schema if not exists "${this.schema}"`);
    }

    const migrator = new Migrator({
      db: this.db,
      provider: new CodeMigrationProvider(this.dialect),
    });
    const { error, results } = await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success') this.logger.log(`applied migration ${result.migrationName}`);
    }
    if (error) throw error;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
