import { applyDecorators, Controller, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard } from './admin-key.guard';
import { adminValidationPipe } from './admin-validation.pipe';
import { ApiErrorDto } from './dto/api-error.dto';
import { UpstreamErrorsInterceptor } from '../common/upstream-errors.interceptor';

export const ADMIN_PREFIX = 'api/v1';

/**
 * An admin API controller under /api/v1: the admin key guard, field-naming validation,
 * upstream errors in our shape, and the docs for all three. Every admin controller uses it,
 * so no route can be added without the key check.
 */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`${ADMIN_PREFIX}/${path}`.replace(/\/$/, '')),
    UseGuards(AdminKeyGuard),
    UsePipes(adminValidationPipe()),
    UseInterceptors(UpstreamErrorsInterceptor),
    ApiTags(tag),
    ApiBearerAuth('admin'),
    ApiErrors(401, 502, 503),
  );
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `fields` names each bad field',
  401: 'Missing or wrong admin API key',
  404: 'Not found',
  409: 'Conflicts with existing data',
  422: 'Kommo or Postmark does not know what the input refers to; `fields` says which',
  502: 'Kommo or Postmark answered with an error',
  503: 'Kommo is not connected or has blocked the account',
};

/** Documents error answers, all in the ApiError shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_TEXT[status] ?? 'Error', type: ApiErrorDto }),
    ),
  );
}
