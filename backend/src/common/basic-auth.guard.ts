import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { safeEqual } from './crypto';

/** True when an Authorization header carries these basic-auth credentials. */
export function hasBasicAuth(header: string | undefined, user: string, password: string): boolean {
  const [scheme, encoded] = (header ?? '').split(' ');
  const decoded =
    scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
  const colon = decoded.indexOf(':');
  const givenUser = colon >= 0 ? decoded.slice(0, colon) : '';
  const givenPassword = colon >= 0 ? decoded.slice(colon + 1) : '';

  // Both compared every time, so timing says nothing about which part was wrong.
  const userOk = safeEqual(givenUser, user);
  const passwordOk = safeEqual(givenPassword, password);

  return userOk && passwordOk;
}

/** HTTP basic auth for Postmark's webhooks (Postmark puts the credentials in the URL). */
@Injectable()
export class PostmarkBasicAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const { POSTMARK_WEBHOOK_USER, POSTMARK_WEBHOOK_PASSWORD } = this.config;
    if (hasBasicAuth(header, POSTMARK_WEBHOOK_USER, POSTMARK_WEBHOOK_PASSWORD)) return true;

    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('WWW-Authenticate', 'Basic realm="postmark"');
    throw new UnauthorizedException('Bad webhook credentials');
  }
}
