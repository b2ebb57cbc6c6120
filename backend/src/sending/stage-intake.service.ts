import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import {
  KommoWebhookFormatError,
  parseKommoWebhook,
  StageChange,
} from '../kommo/kommo-webhook.parser';
import { MessagesRepository, NewOutgoing } from './messages.repository';
import { StageRulesService } from './stage-rules.service';

export interface IntakeResult {
  outcome: 'queued' | 'ignored' | 'invalid';
  queued: number;
  detail: string | null;
}

/**
 * The Kommo webhook's whole job: parse, match rules, and in one transaction store the
 * webhook and queue the emails. No outside calls happen here; the worker does those.
 */
@Injectable()
export class StageIntakeService {
  private readonly logger = new Logger(StageIntakeService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly rules: StageRulesService,
    private readonly messages: MessagesRepository,
  ) {}

  /** `unreadable` says why the body could not be read at all; the record keeps the reason. */
  async accept(
    body: string,
    contentType: string | undefined,
    unreadable?: string,
  ): Promise<IntakeResult> {
    let result: IntakeResult;
    let outgoing: NewOutgoing[] = [];
    try {
      if (unreadable) throw new KommoWebhookFormatError(unreadable);
      const parsed = parseKommoWebhook(body, contentType);
      const notes = [...parsed.skipped];
      if (parsed.subdomain && parsed.subdomain !== this.config.KOMMO_SUBDOMAIN) {
        notes.push(`account ${parsed.subdomain} is not ${this.config.KOMMO_SUBDOMAIN}`);
      } else {
        outgoing = this.plan(parsed.changes, notes);
      }
      result = {
        outcome: outgoing.length > 0 ? 'queued' : 'ignored',
        queued: 0,
        detail: notes.length > 0 ? notes.join('; ').slice(0, 4000) : null,
      };
    } catch (error) {
      if (!(error instanceof KommoWebhookFormatError)) throw error;
      result = { outcome: 'invalid', queued: 0, detail: error.message };
    }

    await this.database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('kommo_webhooks')
        .values({
          received_at: Date.now(),
          content_type: contentType ?? null,
          body,
          outcome: result.outcome,
          detail: result.detail,
        })
        .execute();
      result.queued = (await this.messages.enqueue(outgoing, trx)).length;
    });

    if (result.outcome === 'invalid')
      this.logger.warn(`Kommo webhook stored as invalid: ${result.detail}`);
    else
      this.logger.log(
        `Kommo webhook: ${outgoing.length} change(s) matched, ${result.queued} new email(s) queued`,
      );

    return result;
  }

  private plan(changes: StageChange[], notes: string[]): NewOutgoing[] {
    const outgoing: NewOutgoing[] = [];
    for (const change of changes) {
      const rule = this.rules.match(change.pipelineId, change.statusId);
      const templateAlias = change.templateAlias ?? rule?.templateAlias;
      if (!templateAlias) {
        notes.push(
          `lead ${change.leadId}: no rule for pipeline ${change.pipelineId} stage ${change.statusId}`,
        );
        continue;
      }

      // One email per lead and rule; a rule that re-sends on re-entry keys on the change's time,
      // which a re-delivery of the same webhook repeats and a real re-entry does not.
      const stage = `${change.pipelineId}:${change.statusId}`;
      const reentry = rule?.resendPolicy === 'every_entry' ? `:${change.changedAt ?? 0}` : '';
      outgoing.push({
        account: this.config.KOMMO_SUBDOMAIN,
        leadId: change.leadId,
        ruleId: rule?.id ?? null,
        templateAlias,
        source: 'stage',
        dedupeKey: `stage:${change.leadId}:${stage}:${templateAlias}${reentry}`,
      });
    }

    return outgoing;
  }
}
