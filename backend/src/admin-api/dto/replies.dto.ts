import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Min } from 'class-validator';
import { PageQuery } from './page.dto';

export class ReplyListQuery extends PageQuery {}

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
