import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { MessageRow } from '../database/schema';
import { MetricsService } from '../health/metrics.service';
import { KommoClient } from '../kommo/kommo.client';
import { KommoWritesService } from '../kommo/kommo-writes.service';
import { MessagesRepository } from './messages.repository';
import { SendBatchService } from './send-batch.service';

const BATCH_LIMIT = 1000;

export type WorkerHook = (owner: string) => Promise<number>;

/**
 * The loop that drains the outbox: claims due messages, sends them in batches, then writes
 * queued notes and tags. Webhooks kick it so work starts at once; a timer covers the rest.
 */
@Injectable()
export class SendWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SendWorker.name);
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopping = false;
  private readonly hooks: WorkerHook[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly messages: MessagesRepository,
    private readonly batches: SendBatchService,
    private readonly writes: KommoWritesService,
    private readonly kommo: KommoClient,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.WORKER_ENABLED) return;
    this.logger.log(`worker ${this.owner} started`);
    this.schedule(0);
  }

  /** Other features add their periodic work here (inbound recovery, reconciliation). */
  addHook(hook: WorkerHook): void {
    this.hooks.push(hook);
  }

  /** Start a pass now, or right after the one in progress. */
  kick(): void {
    if (!this.config.WORKER_ENABLED || this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Runs passes until nothing is due; tests and the demo use it to wait for the outbox. */
  async drain(maxPasses = 1000): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass += 1) {
      if (this.running) await this.running;
      const handled = await this.runPass();
      if (handled === 0) return;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    // Finish the batch in flight; rows not reached keep their lease and come back after it.
    await this.running;
    await this.releaseLeases();
    this.logger.log(`worker ${this.owner} stopped`);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    if (this.stopping || this.running) return;

    let handled = 0;
    try {
      handled = await this.runPass();
    } catch (error) {
      this.logger.error(
        `worker pass failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
    if (this.stopping) return;

    const busy = handled > 0 || this.again;
    this.again = false;
    this.schedule(busy ? 0 : this.config.WORKER_POLL_MS);
  }

  private async runPass(): Promise<number> {
    const pass = this.passOnce();
    // Only a marker for "a pass is in flight": its failure is handled by whoever awaits `pass`.
    this.running = pass.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await pass;
    } finally {
      this.running = undefined;
    }
  }

  private async passOnce(): Promise<number> {
    let handled = 0;
    if (!this.kommo.isBlocked()) {
      const leaseMs = this.config.WORKER_LEASE_MS;
      const rows = await this.messages.claim(this.owner, BATCH_LIMIT, leaseMs);
      if (rows.length > 0) await this.whileLeased(rows, leaseMs, () => this.batches.process(rows));
      handled += rows.length;
    }
    if (this.stopping) return handled;

    handled += await this.writes.flush(this.owner);
    for (const hook of this.hooks) {
      if (this.stopping) break;
      // One chore failing (a bad reply, a Postmark outage) must not stop the others.
      handled += await hook(this.owner).catch((error: unknown) => {
        this.logger.error(
          `worker chore failed: ${error instanceof Error ? error.stack : String(error)}`,
        );
        return 0;
      });
    }
    await this.updateGauges();

    return handled;
  }

  /**
   * A crashed instance's rows come back once their lease (WORKER_LEASE_MS) runs out. The lease
   * is renewed while a slow batch (Kommo backoff, a stalled Postmark call) still works on its
   * rows, so a short lease speeds up recovery without letting another instance take rows that
   * are being sent.
   */
  private async whileLeased(rows: MessageRow[], leaseMs: number, work: () => Promise<void>) {
    const ids = rows.map((row) => row.id);
    const renew = () =>
      this.messages.extendLease(ids, this.owner, leaseMs).catch((error: unknown) => {
        this.logger.warn(`could not renew the lease on ${ids.length} email(s): ${String(error)}`);
      });
    const timer = setInterval(() => void renew(), Math.max(250, Math.floor(leaseMs / 3)));
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async updateGauges(): Promise<void> {
    for (const [queue, table, statuses] of [
      ['emails', 'messages', ['queued', 'sending']],
      ['kommo_writes', 'kommo_outbox', ['pending']],
    ] as const) {
      const row = await this.database.db
        .selectFrom(table)
        .select((eb) => [
          eb.fn.countAll<number>().as('depth'),
          eb.fn.min('created_at').as('oldest'),
        ])
        .where('status', 'in', [...statuses])
        .executeTakeFirst();
      this.metrics.queueDepth.set({ queue }, Number(row?.depth ?? 0));
      const oldest = row?.oldest ? Number(row.oldest) : Date.now();
      this.metrics.queueAge.set({ queue }, (Date.now() - oldest) / 1000);
    }
  }

  private async releaseLeases(): Promise<void> {
    for (const table of ['messages', 'kommo_outbox'] as const) {
      await this.database.db
        .updateTable(table)
        .set({ lease_until: null, lease_owner: null })
        .where('lease_owner', '=', this.owner)
        .execute();
    }
  }
}
