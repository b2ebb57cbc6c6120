import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PreviewResponse, TemplateSummary } from '@kp/shared';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, Min } from 'class-validator';

export class TemplateView implements TemplateSummary {
  @ApiProperty() alias!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'An enabled stage rule uses it' }) usedByRule!: boolean;
}

export class TemplateList {
  @ApiProperty({ type: [TemplateView] }) items!: TemplateView[];
}

export class PreviewQuery {
  @ApiProperty({ example: 4410021 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  leadId!: number;

  @ApiPropertyOptional({
    description: "One of the lead's addresses; the default one when left out",
  })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class PreviewView implements PreviewResponse {
  @ApiProperty() subject!: string;
  @ApiProperty() htmlBody!: string;
  @ApiProperty() textBody!: string;
  @ApiProperty({ type: [String], example: ['lead.custom_fields.check_in'] })
  missingVariables!: string[];

  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: [String] }) errors!: string[];
  @ApiProperty({ type: String, nullable: true, description: 'The address it would go to' })
  recipient!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ['no_contact', 'no_email'] })
  problem!: 'no_contact' | 'no_email' | null;
}
