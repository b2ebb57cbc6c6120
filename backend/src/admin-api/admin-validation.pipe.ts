import {
  ArgumentMetadata,
  Injectable,
  PipeTransform,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ApiException } from '../common/api-error.filter';

/** Validates bodies and queries against their DTOs; 400 with every bad field named. */
export function adminValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => invalidFields(flatten(errors)),
  });
}

/** A positive integer path parameter, refused with the parameter's name. */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    const number = typeof value === 'number' ? value : Number(String(value));
    const digits = typeof value === 'number' || /^\d+$/.test(String(value));
    if (digits && Number.isSafeInteger(number) && number > 0) return number;

    throw invalidFields({ [metadata.data ?? 'value']: 'must be a positive integer' });
  }
}

export function invalidFields(fields: Record<string, string>): ApiException {
  const summary = Object.entries(fields)
    .map(([field, problem]) => `${field}: ${problem}`)
    .join('; ');

  return new ApiException(400, 'validation_failed', `Invalid request (${summary})`, fields);
}

function flatten(errors: ValidationError[], prefix = ''): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const problems = Object.values(error.constraints ?? {});
    if (problems.length > 0) fields[path] = problems.join('; ');
    Object.assign(fields, flatten(error.children ?? [], path));
  }

  return fields;
}
