import { ApiProperty } from '@nestjs/swagger';
import { IsUrl } from 'class-validator';

export class SetupWebhooksBody {
  @ApiProperty({
    example: 'https://kp.example.com',
    description: 'Where Kommo and Postmark reach this service from the internet',
  })
  @IsUrl({ require_protocol: true, require_tld: false, protocols: ['https', 'http'] })
  publicUrl!: string;
}

class KommoHookResult {
  @ApiProperty({ enum: ['registered', 'enabled_again', 'unchanged'] }) action!: string;
  @ApiProperty({ description: 'Secret path token hidden' }) destination!: string;
  @ApiProperty({ description: 'Other webhooks to /webhooks/kommo/ (old URLs?)' }) others!: number;
}

class PostmarkEventsResult {
  @ApiProperty({ enum: ['created', 'updated', 'unchanged'] }) action!: string;
  @ApiProperty() webhookId!: number;
  @ApiProperty() url!: string;
  @ApiProperty() messageStream!: string;
  @ApiProperty({ type: [String] }) triggers!: string[];
}

class PostmarkInboundResult {
  @ApiProperty({ enum: ['set', 'unchanged'] }) action!: string;
  @ApiProperty({ description: 'Credentials hidden' }) url!: string;
}

export class SetupWebhooksView {
  @ApiProperty() publicUrl!: string;
  @ApiProperty({ type: KommoHookResult }) kommo!: KommoHookResult;
  @ApiProperty({ type: PostmarkEventsResult }) postmarkEvents!: PostmarkEventsResult;
  @ApiProperty({ type: PostmarkInboundResult }) postmarkInbound!: PostmarkInboundResult;
}
