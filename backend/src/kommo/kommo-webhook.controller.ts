import { Controller, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../common/crypto';
import { MetricsService } from '../health/metrics.service';
import { SendWorker } from '../sending/send-worker.service';
import { StageIntakeService } from '../sending/stage-intake.service';

/**
 * Kommo's account webhook. Kommo does not sign webhooks, so the URL carries a secret token.
 * Anything we cannot use is stored and still answered 200: a retry would not fix it.
 */
@ApiExcludeController()
@Controller('webhooks/kommo')
export class KommoWebhookController {
  constructor(
    private readonly config: AppConfig,
    private readonly intake: StageIntakeService,
    private readonly worker: SendWorker,
    private readonly metrics: MetricsService,
  ) {}

  @Post(':token')
  @HttpCode(200)
  async receive(@Param('token') token: string, @Req() request: Request) {
    if (!safeEqual(token, this.config.KOMMO_WEBHOOK_TOKEN)) throw new NotFoundException();

    const stop = this.metrics.webhookLatency.startTimer({ source: 'kommo' });
    const body = typeof request.body === 'string' ? request.body : '';
    const result = await this.intake.accept(body, request.headers['content-type']);
    if (result.queued > 0) this.worker.kick();
    stop();

    return { ok: true, outcome: result.outcome, queued: result.queued };
  }
}
