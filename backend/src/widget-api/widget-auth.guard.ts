import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { ApiException } from '../common/api-error.filter';
import { WidgetTokenService } from './widget-token.service';
import { WidgetUser } from './widget-token';

export interface WidgetRequest extends Request {
  widgetUser?: WidgetUser;
}

const ADMIN_ONLY = 'widget:admin-only';

/** Marks a widget route that only Kommo account administrators may call. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** The caller's claims, as WidgetAuthGuard verified them. */
export const CurrentWidgetUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): WidgetUser => {
    const user = context.switchToHttp().getRequest<WidgetRequest>().widgetUser;
    if (!user) throw new Error('CurrentWidgetUser used on a route without WidgetAuthGuard');

    return user;
  },
);

/**
 * Lets a /widget request through only with a valid Kommo X-Auth-Token, and admin-only
 * routes only for administrators. The claims end up on the request.
 */
@Injectable()
export class WidgetAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: WidgetTokenService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WidgetRequest>();
    const user = this.tokens.authenticate(request.header('x-auth-token'));
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);

    if (adminOnly && !user.isAdmin) {
      throw new ApiException(
        403,
        'admin_only',
        'Only administrators of the Kommo account can view and change the stage rules.',
      );
    }

    request.widgetUser = user;

    return true;
  }
}
