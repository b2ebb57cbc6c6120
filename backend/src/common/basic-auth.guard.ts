import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { safeEqual } from './crypto';

/** HTTP basic auth for Postmark's webhooks (Postmark puts the credentials in the URL). */
@Injectable()
export class PostmarkBasicAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    const decoded = scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';

    // Both compared every time, so timing says nothing about which part was wrong.
    const userOk = safeEqual(user, this.config.POSTMARK_WEBHOOK_USER);
    const passwordOk = safeEqual(password, this.config.POSTMARK_WEBHOOK_PASSWORD);
    if (userOk && passwordOk) return true;

    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="postmark"');
    throw new UnauthorizedException('Bad webhook credentials');
  }
}
