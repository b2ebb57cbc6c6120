import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics; one registry per app instance so tests don't collide. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly emails = new Counter({
    name: 'kp_emails_total',
    help: 'Emails by outcome (sent, failed, suppressed) and Postmark error code',
    labelNames: ['outcome', 'error_code'],
    registers: [this.registry],
  });

  readonly kommoCalls = new Counter({
    name: 'kp_kommo_calls_total',
    help: 'Kommo API responses by HTTP status',
    labelNames: ['status'],
    registers: [this.registry],
  });

  readonly kommo429 = new Counter({
    name: 'kp_kommo_rate_limited_total',
    help: 'Kommo 429 answers',
    registers: [this.registry],
  });

  readonly kommoRetries = new Counter({
    name: 'kp_kommo_retries_total',
    help: 'Kommo calls retried, by the status that caused it',
    labelNames: ['status'],
    registers: [this.registry],
  });

  readonly postmarkCalls = new Counter({
    name: 'kp_postmark_calls_total',
    help: 'Postmark API calls by operation and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'kp_postmark_events_total',
    help: 'Postmark event webhooks by record type',
    labelNames: ['record_type'],
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: 'kp_webhook_ack_seconds',
    help: 'Time to acknowledge an incoming webhook',
    labelNames: ['source'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'kp_queue_depth',
    help: 'Messages and Kommo writes waiting',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  readonly queueAge = new Gauge({
    name: 'kp_queue_oldest_seconds',
    help: 'Age of the oldest waiting item',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
