import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_STATUSES, MessageEventDto, MessageStatus } from '@kp/shared';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery } from './page.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class MessageListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only this Kommo lead' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  leadId?: number;

  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

  @ApiPropertyOptional({ description: 'Only this template alias' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  template?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)', example: '2025-01-01' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({
    description: 'Created before (ISO 8601, exclusive)',
    example: '2025-02-01',
  })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

export class MessageEventView implements MessageEventDto {
  @ApiProperty({ example: 'Delivery', description: 'Postmark RecordType' }) type!: string;
  @ApiProperty({ type: String, nullable: true }) detail!: string | null;
  @ApiProperty({ example: '2025-01-31T10:00:00.000Z' }) occurredAt!: string;
}

export class MessageView {
  @ApiProperty({ example: 'm_01JJ8ZQ4W7V6Y3T1H2G5K9M0PA' }) id!: string;
  @ApiProperty() leadId!: number;
  @ApiProperty() templateAlias!: string;
  @ApiProperty({ enum: ['stage', 'widget', 'admin'] }) source!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: MessageStatus;
  @ApiProperty({ type: String, nullable: true }) recipient!: string | null;
  @ApiProperty({ type: Number, nullable: true }) ruleId!: number | null;
  @ApiProperty({ type: String, nullable: true }) postmarkMessageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) errorCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
}

export class MessageDetail extends MessageView {
  @ApiProperty({ type: [MessageEventView], description: 'Postmark events, oldest first' })
  events!: MessageEventView[];
}

export class MessagePage {
  @ApiProperty({ type: [MessageView], description: 'Newest first' }) items!: MessageView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class ResendBody {
  @ApiPropertyOptional({
    description: "One of the lead's addresses; the default one when left out",
  })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class ManualSendBody {
  @ApiProperty({ example: 4410021 })
  @IsInt()
  @Min(1)
  leadId!: number;

  @ApiProperty({ example: 'deal-won-confirmation' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  templateAlias!: string;

  @ApiPropertyOptional({
    description: "One of the lead's addresses; the default one when left out",
  })
  @IsOptional()
  @IsEmail()
  email?: string;

  @ApiProperty({
    example: '7c6f0e4e-2b1a-4e53-9a51-0d7c2f0a9b11',
    description: 'Chosen by the caller once per intended email; repeating it sends once',
  })
  @IsString()
  @Matches(/^[\w.:-]{1,100}$/, { message: 'requestId must be 1-100 letters, digits or . _ : -' })
  requestId!: string;
}
