import { Controller, HttpCode, Logger, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request } from 'express';
import { PostmarkBasicAuthGuard } from '../common/basic-auth.guard';
import { MetricsService } from '../health/metrics.service';
import { InboundService } from './inbound.service';

/**
 * Postmark's inbound webhook. Postmark retries any non-200 for hours, so everything with
 * good credentials is stored and answered 200; matching happens after the answer.
 */
@ApiExcludeController()
@Controller('webhooks/postmark/inbound')
@UseGuards(PostmarkBasicAuthGuard)
export class InboundController {
  private readonly logger = new Logger(InboundController.name);

  constructor(
    private readonly inbound: InboundService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(@Req() request: Request) {
    const stop = this.metrics.webhookLatency.startTimer({ source: 'postmark_inbound' });
    const raw = typeof request.body === 'string' ? request.body : '';
    const stored = await this.inbound.store(raw);
    stop();
    if (!stored.duplicate) {
      this.inbound.process(stored.id).catch((error: unknown) => {
        this.logger.error(`reply #${stored.id}: processing failed, will retry: ${String(error)}`);
      });
    }

    return { ok: true, id: stored.id, duplicate: stored.duplicate };
  }
}
