import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { sql } from 'kysely';
import { DatabaseService } from '../database/database.service';
import { KommoAuthService } from '../kommo/kommo-auth.service';
import { KommoClient } from '../kommo/kommo.client';
import { PostmarkClient } from '../postmark/postmark.client';
import { MetricsService } from './metrics.service';

type Check = { ok: boolean; detail?: string };

const UPSTREAM_CHECK_TTL_MS = 15_000;

@ApiTags('health')
@Controller()
export class HealthController {
  private upstream?: { at: number; result: Promise<Record<string, Check>> };

  constructor(
    private readonly database: DatabaseService,
    private readonly kommoAuth: KommoAuthService,
    private readonly kommo: KommoClient,
    private readonly postmark: PostmarkClient,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { ok: true };
  }

  @Get('health/ready')
  @ApiOperation({
    summary: 'Readiness: database, Kommo token and webhook, Postmark token, Kommo block state',
  })
  async ready(@Res({ passthrough: true }) response: Response) {
    const upstream = await this.upstreamChecks();
    const checks: Record<string, Check> = {
      database: await this.check(async () => {
        await sql`select 1`.execute(this.database.db);
      }),
      ...upstream,
    };
    const kommoAuth = await this.kommoAuth.status().catch(() => undefined);
    const ok = Object.values(checks).every((check) => check.ok);
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);

    return { ok, checks, kommoAuth, kommoBlockedUntil: this.kommo.blockedUntilIso() };
  }

  /**
   * Kommo and Postmark checks cost API calls, and Kommo's 7 a second are shared with sending:
   * a probe hammering /health/ready gets the answer of the last 15 seconds, one flight at a time.
   */
  private upstreamChecks(): Promise<Record<string, Check>> {
    const fresh = this.upstream && Date.now() - this.upstream.at < UPSTREAM_CHECK_TTL_MS;
    if (!fresh) {
      const at = Date.now();
      const result = this.runUpstreamChecks();
      this.upstream = { at, result };
    }

    return this.upstream!.result;
  }

  private async runUpstreamChecks(): Promise<Record<string, Check>> {
    return {
      kommo: await this.check(async () => {
        if (this.kommo.isBlocked())
          throw new Error(`blocked until ${this.kommo.blockedUntilIso()}`);
        await this.kommo.getAccount();
      }),
      kommoWebhook: await this.check(async () => {
        const hooks = await this.kommo.listWebhooks();
        const ours = hooks.filter((hook) => hook.destination.includes('/webhooks/kommo/'));
        if (ours.length === 0)
          throw new Error('no status_lead webhook registered (npm run setup:webhooks)');
        if (ours.every((hook) => hook.disabled)) throw new Error('Kommo has disabled our webhook');
      }),
      postmark: await this.check(async () => {
        await this.postmark.listTemplates();
      }),
    };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics' })
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  private async check(probe: () => Promise<void>): Promise<Check> {
    try {
      await probe();
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
