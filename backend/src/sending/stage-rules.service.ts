import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ResendPolicy, StageRuleDto, StageRuleInput } from '@kp/shared';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { StageRuleRow } from '../database/schema';

/**
 * Which template goes out when a lead enters which stage. Keyed by (pipeline, status):
 * statuses 142 and 143 exist in every pipeline. Seeded from STAGE_RULES at start-up (only stages
 * that have no rule yet), then edited through the admin API or the widget; kept in memory for the webhook's hot path.
 */
@Injectable()
export class StageRulesService implements OnModuleInit {
  private readonly logger = new Logger(StageRulesService.name);
  private byStage = new Map<string, StageRuleDto>();
  private loadedAt = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {}

  async onModuleInit(): Promise<void> {
    const now = Date.now();
    for (const rule of this.config.STAGE_RULES) {
      await this.database.db
        .insertInto('stage_rules')
        .values({
          pipeline_id: rule.pipelineId,
          status_id: rule.statusId,
          template_alias: rule.templateAlias,
          enabled: 1,
          resend_policy: rule.resendPolicy ?? 'once',
          note: rule.note ?? null,
          created_at: now,
          updated_at: now,
        })
        // Edits made later in the widget or the admin API win over the seed.
        .onConflict((conflict) => conflict.columns(['pipeline_id', 'status_id']).doNothing())
        .execute();
    }
    await this.reload();
    this.logger.log(`${this.byStage.size} stage rule(s) active`);
  }

  match(pipelineId: number, statusId: number): StageRuleDto | undefined {
    const rule = this.byStage.get(`${pipelineId}:${statusId}`);

    return rule?.enabled ? rule : undefined;
  }

  async list(): Promise<StageRuleDto[]> {
    const rows = await this.database.db
      .selectFrom('stage_rules')
      .selectAll()
      .orderBy('pipeline_id')
      .orderBy('status_id')
      .execute();

    return rows.map(toDto);
  }

  async get(id: number): Promise<StageRuleDto | undefined> {
    const row = await this.database.db
      .selectFrom('stage_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();

    return row ? toDto(row) : undefined;
  }

  async create(input: StageRuleInput): Promise<StageRuleDto> {
    const now = Date.now();
    const row = await this.database.db
      .insertInto('stage_rules')
      .values({ ...toColumns(input), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.reload();

    return toDto(row);
  }

  async update(id: number, input: Partial<StageRuleInput>): Promise<StageRuleDto | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;

    const row = await this.database.db
      .updateTable('stage_rules')
      .set({ ...toColumns({ ...current, ...input }), updated_at: Date.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.reload();

    return toDto(row);
  }

  async remove(id: number): Promise<boolean> {
    const result = await this.database.db
      .deleteFrom('stage_rules')
      .where('id', '=', id)
      .executeTakeFirst();
    await this.reload();

    return Number(result.numDeletedRows) > 0;
  }

  /** Replaces the whole rule set (the widget's editor saves everything at once). */
  async replaceAll(inputs: StageRuleInput[]): Promise<StageRuleDto[]> {
    const now = Date.now();
    await this.database.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('stage_rules').execute();
      if (inputs.length > 0) {
        await trx
          .insertInto('stage_rules')
          .values(
            inputs.map((input) => ({ ...toColumns(input), created_at: now, updated_at: now })),
          )
          .execute();
      }
    });
    await this.reload();

    return this.list();
  }

  /** Aliases every enabled rule uses, for the start-up check and the widget's ordering. */
  aliases(): string[] {
    return [
      ...new Set([...this.byStage.values()].filter((r) => r.enabled).map((r) => r.templateAlias)),
    ];
  }

  /** Picks up edits made by other instances; returns 0 so the worker doesn't count it as work. */
  async reloadIfStale(maxAgeMs = 30_000): Promise<number> {
    if (Date.now() - this.loadedAt > maxAgeMs) await this.reload();

    return 0;
  }

  private async reload(): Promise<void> {
    const rules = await this.list();
    this.loadedAt = Date.now();
    this.byStage = new Map(rules.map((rule) => [`${rule.pipelineId}:${rule.statusId}`, rule]));
  }
}

function toDto(row: StageRuleRow): StageRuleDto {
  return {
    id: Number(row.id),
    pipelineId: Number(row.pipeline_id),
    statusId: Number(row.status_id),
    templateAlias: row.template_alias,
    enabled: Boolean(row.enabled),
    resendPolicy: row.resend_policy as ResendPolicy,
    note: row.note,
  };
}

function toColumns(input: StageRuleInput) {
  return {
    pipeline_id: input.pipelineId,
    status_id: input.statusId,
    template_alias: input.templateAlias,
    enabled: input.enabled === false ? 0 : 1,
    resend_policy: input.resendPolicy ?? 'once',
    note: input.note ?? null,
  };
}
