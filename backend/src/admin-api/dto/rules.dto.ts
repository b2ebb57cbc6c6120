import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ResendPolicy, StageRuleDto } from '@kp/shared';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

const RESEND_POLICIES: ResendPolicy[] = ['once', 'every_entry'];
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class StageRuleBody {
  @ApiProperty({ example: 7711001, description: 'Kommo pipeline id' })
  @IsInt()
  @Min(1)
  pipelineId!: number;

  @ApiProperty({ example: 61822003, description: 'Kommo stage (status) id within the pipeline' })
  @IsInt()
  @Min(1)
  statusId!: number;

  @ApiProperty({ example: 'deal-won-confirmation', description: 'Postmark template alias' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  templateAlias!: string;

  @ApiPropertyOptional({
    enum: RESEND_POLICIES,
    default: 'once',
    description: 'once: one email per lead; every_entry: again each time the lead re-enters',
  })
  @IsOptional()
  @IsIn(RESEND_POLICIES)
  resendPolicy?: ResendPolicy;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'A remark for operators' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

export class StageRulePatch extends PartialType(StageRuleBody) {}

export class StageRuleView implements StageRuleDto {
  @ApiProperty() id!: number;
  @ApiProperty() pipelineId!: number;
  @ApiProperty() statusId!: number;
  @ApiProperty() templateAlias!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: RESEND_POLICIES }) resendPolicy!: ResendPolicy;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
}

export class StageRuleList {
  @ApiProperty({ type: [StageRuleView] }) items!: StageRuleView[];
}
