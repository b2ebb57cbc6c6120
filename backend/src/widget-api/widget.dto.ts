import { ArgumentMetadata, Injectable, PipeTransform, ValidationPipe } from '@nestjs/common';
import { PreviewRequest, ResendPolicy, SendRequest, StageRuleInput } from '@kp/shared';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
  ValidationError,
} from 'class-validator';
import { ApiException } from '../common/api-error.filter';

const SAVED_LEAD = {
  message: 'must be the id of a saved lead (a positive integer; 0 is an unsaved lead card)',
};

export class PreviewRequestDto implements PreviewRequest {
  @IsInt(SAVED_LEAD)
  @Min(1, SAVED_LEAD)
  leadId!: number;

  @IsString()
  @Length(1, 255)
  templateAlias!: string;
}

export class SendRequestDto implements SendRequest {
  @IsInt(SAVED_LEAD)
  @Min(1, SAVED_LEAD)
  leadId!: number;

  @IsString()
  @Length(1, 255)
  templateAlias!: string;

  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @IsString()
  @Matches(/^[\w.:-]{8,100}$/, { message: 'must be 8 to 100 letters, digits or . _ : -' })
  requestId!: string;
}

export class StageRuleInputDto implements StageRuleInput {
  @IsInt()
  @Min(1)
  pipelineId!: number;

  @IsInt()
  @Min(1)
  statusId!: number;

  @IsString()
  @Length(1, 255)
  templateAlias!: string;

  @IsBoolean()
  enabled!: boolean;

  @IsIn(['once', 'every_entry'])
  resendPolicy!: ResendPolicy;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note!: string | null;
}

export class ReplaceRulesDto {
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StageRuleInputDto)
  rules!: StageRuleInputDto[];
}

/** Nested validation errors as `rules.2.templateAlias: must be …`. */
function flatten(errors: ValidationError[], prefix = ''): Record<string, string> {
  const fields: Record<string, string> = {};

  for (const error of errors) {
    const path = prefix + error.property;
    const reasons = Object.values(error.constraints ?? {}).map((text) =>
      text.startsWith(`${error.property} `) ? text.slice(error.property.length + 1) : text,
    );

    if (reasons.length > 0) fields[path] = reasons.join('; ');
    Object.assign(fields, flatten(error.children ?? [], `${path}.`));
  }

  return fields;
}

/** Validates widget bodies into their DTO classes; problems answer 422 with every field. */
export const widgetBody = new ValidationPipe({
  transform: true,
  whitelist: true,
  exceptionFactory: (errors) => {
    const fields = flatten(errors);
    const summary = Object.entries(fields)
      .map(([field, reason]) => `${field} ${reason}`)
      .join('; ');

    return new ApiException(
      422,
      'invalid_request',
      `The request is not valid: ${summary}.`,
      fields,
    );
  },
});

/** A lead id from the path. 0 is Kommo's unsaved lead card, which has nothing to show yet. */
@Injectable()
export class LeadIdPipe implements PipeTransform<string, number> {
  transform(value: string, _metadata: ArgumentMetadata): number {
    const id = Number(value);

    if (value === '0') {
      throw new ApiException(
        422,
        'lead_unsaved',
        'Lead 0 is an unsaved lead card: save the lead in Kommo first.',
      );
    }

    if (!/^\d{1,15}$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
      throw new ApiException(404, 'lead_not_found', `"${value}" is not a Kommo lead id.`);
    }

    return id;
  }
}
