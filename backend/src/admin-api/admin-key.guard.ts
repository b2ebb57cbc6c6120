import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Request, Response } from 'express';
import { ApiException } from '../common/api-error.filter';
import { safeEqual } from '../common/crypto';
import { AppConfig } from '../config/app-config';

/** `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    // Compared even when absent, so a missing key and a wrong one take the same time.
    const ok = safeEqual(match?.[1] ?? '', this.config.ADMIN_API_KEY);
    if (ok && match) return true;

    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new ApiException(
      401,
      'unauthorized',
      'Send the admin API key as "Authorization: Bearer <ADMIN_API_KEY>".',
    );
  }
}
