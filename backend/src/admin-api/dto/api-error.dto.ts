import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiError } from '@kp/shared';

/** The one error shape every endpoint answers with. */
export class ApiErrorDto implements ApiError {
  @ApiProperty({ example: 'validation_failed', description: 'Stable, machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'The request has invalid fields.', description: 'For people' })
  message!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { templateAlias: 'must not be empty' },
    description: 'What is wrong with each named field',
  })
  fields?: Record<string, string>;
}
