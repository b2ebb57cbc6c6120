import { Injectable, OnModuleInit } from '@nestjs/common';
import { InboundService } from '../inbound/inbound.service';
import { TrackingService } from '../tracking/tracking.service';
import { StageRulesService } from './stage-rules.service';
import { SendWorker } from './send-worker.service';

/** Gives the worker its periodic chores besides sending. */
@Injectable()
export class WorkerHooksService implements OnModuleInit {
  constructor(
    private readonly worker: SendWorker,
    private readonly inbound: InboundService,
    private readonly tracking: TrackingService,
    private readonly rules: StageRulesService,
  ) {}

  onModuleInit(): void {
    this.worker.addHook(() => this.inbound.processPending());
    this.worker.addHook(() => this.tracking.reconcile());
    // Another instance may have edited the rules through the admin API.
    this.worker.addHook(() => this.rules.reloadIfStale());
  }
}
