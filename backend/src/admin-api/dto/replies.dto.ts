import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class ReplyListQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ReplyView {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ['received', 'matched', 'unmatched', 'invalid'] }) status!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ type: String, nullable: true }) from!: string | null;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ type: Number, nullable: true }) leadId!: number | null;
  @ApiProperty({ type: String, nullable: true }) matchedBy!: string | null;
}

export class ReplyPage {
  @ApiProperty({ type: [ReplyView], description: 'Oldest first' }) items!: ReplyView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AssignBody {
  @ApiProperty({ example: 4410021 })
  @IsInt()
  @Min(1)
  leadId!: number;
}
