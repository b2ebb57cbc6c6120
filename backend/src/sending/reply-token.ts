import { createHmac } from 'node:crypto';
import { safeEqual } from '../common/crypto';

/**
 * The plus-address part of our Reply-To: `<messageId>.<signature>`. Replies bring it back
 * as Postmark's MailboxHash; the signature stops anyone from pointing a reply at a lead
 * by guessing ids.
 */
export class ReplyToken {
  constructor(private readonly secret: string) {}

  sign(messageId: string): string {
    return `${messageId}.${this.signature(messageId)}`;
  }

  /** The message id inside a valid token, else null. */
  verify(token: string | null | undefined): string | null {
    const trimmed = token?.trim() ?? '';
    const dot = trimmed.lastIndexOf('.');
    if (dot < 1) return null;

    const messageId = trimmed.slice(0, dot);
    const signature = trimmed.slice(dot + 1);

    return safeEqual(signature, this.signature(messageId)) ? messageId : null;
  }

  /** `hash@inbound.postmarkapp.com` → `hash+<token>@inbound.postmarkapp.com`. */
  replyAddress(inboundAddress: string, messageId: string): string {
    const at = inboundAddress.lastIndexOf('@');

    return `${inboundAddress.slice(0, at)}+${this.sign(messageId)}${inboundAddress.slice(at)}`;
  }

  private signature(messageId: string): string {
    // 16 base64url characters = 96 bits: short enough for a mailbox, long enough to not guess.
    return createHmac('sha256', this.secret)
      .update(`reply-token:${messageId}`)
      .digest('base64url')
      .slice(0, 16);
  }
}
