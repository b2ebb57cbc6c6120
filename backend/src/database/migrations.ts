import { Kysely, Migration, MigrationProvider, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/** Migrations live in code so the built service carries them; names sort in order. */
export class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { '0001_initial': initial(this.dialect) };
  }
}

function initial(dialect: Dialect): Migration {
  // BIGINT holds Kommo ids and epoch milliseconds; the pg driver is told to read it as a number.
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const serial = dialect === 'postgres' ? 'serial' : 'integer';

  return {
    async up(db: Kysely<any>) {
      const withId = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', serial, (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          );

      await withId('stage_rules')
        .addColumn('pipeline_id', big, (c) => c.notNull())
        .addColumn('status_id', big, (c) => c.notNull())
        .addColumn('template_alias', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('resend_policy', 'text', (c) => c.notNull().defaultTo('once'))
        .addColumn('note', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('stage_rules_stage', ['pipeline_id', 'status_id'])
        .execute();

      await withId('kommo_webhooks')
        .addColumn('received_at', big, (c) => c.notNull())
        .addColumn('content_type', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();

      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('lead_id', big, (c) => c.notNull())
        .addColumn('rule_id', 'integer')
        .addColumn('template_alias', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text')
        .addColumn('contact_id', big)
        .addColumn('postmark_message_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', big)
        .addColumn('send_started_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('sent_at', big)
        .execute();
      await db.schema
        .createIndex('messages_due')
        .on('messages')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema.createIndex('messages_lead').on('messages').column('lead_id').execute();
      await db.schema
        .createIndex('messages_postmark_id')
        .on('messages')
        .column('postmark_message_id')
        .execute();

      await withId('message_events')
        .addColumn('message_id', 'text')
        .addColumn('postmark_message_id', 'text')
        .addColumn('record_type', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('occurred_at', big, (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('received_at', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('message_events_message')
        .on('message_events')
        .column('message_id')
        .execute();

      await withId('kommo_outbox')
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entity_id', big, (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', big)
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('done_at', big)
        .execute();
      await db.schema
        .createIndex('kommo_outbox_due')
        .on('kommo_outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await withId('inbound_messages')
        .addColumn('postmark_message_id', 'text', (c) => c.notNull().unique())
        .addColumn('received_at', big, (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('from_email', 'text')
        .addColumn('subject', 'text')
        .addColumn('lead_id', big)
        .addColumn('message_id', 'text')
        .addColumn('matched_by', 'text')
        .addColumn('processed_at', big)
        .addColumn('error', 'text')
        .execute();

      await db.schema
        .createTable('kommo_tokens')
        .addColumn('account', 'text', (c) => c.primaryKey())
        .addColumn('access_token', 'text', (c) => c.notNull())
        .addColumn('refresh_token', 'text', (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('service_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<any>) {
      for (const table of [
        'service_state',
        'kommo_tokens',
        'inbound_messages',
        'kommo_outbox',
        'message_events',
        'messages',
        'kommo_webhooks',
        'stage_rules',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
      await sql`select 1`.execute(db);
    },
  };
}
