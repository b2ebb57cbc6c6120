import { Controller, HttpCode, Logger, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request } from 'express';
import { PostmarkBasicAuthGuard } from '../common/basic-auth.guard';
import { MetricsService } from '../health/metrics.service';
import { EventFormatError, parsePostmarkEvent } from './postmark-event';
import { TrackingService } from './tracking.service';

/**
 * Postmark's delivery, bounce, spam, open, click and subscription webhooks. Postmark drops
 * an event on most 4xx, so only bad credentials get one; the rest is stored and gets 200.
 */
@ApiExcludeController()
@Controller('webhooks/postmark/events')
@UseGuards(PostmarkBasicAuthGuard)
export class EventsController {
  private readonly logger = new Logger(EventsController.name);

  constructor(
    private readonly tracking: TrackingService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(@Req() request: Request) {
    const stop = this.metrics.webhookLatency.startTimer({ source: 'postmark_events' });
    const raw = typeof request.body === 'string' ? request.body : '';
    const traceId = request.headers['x-pm-webhook-trace-id'];
    try {
      const { event, payload } = parsePostmarkEvent(raw);
      const outcome = await this.tracking.record(
        event,
        payload,
        typeof traceId === 'string' ? traceId : undefined,
      );

      return { ok: true, ...outcome };
    } catch (error) {
      if (!(error instanceof EventFormatError)) throw error;
      const stored = await this.tracking.keepUnusable(raw, error.message);
      this.logger.warn(`Postmark event kept but not acted on: ${error.message}`);

      return { ok: true, stored, ignored: error.message };
    } finally {
      stop();
    }
  }
}
