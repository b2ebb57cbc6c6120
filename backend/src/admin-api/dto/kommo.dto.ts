import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { KommoPipeline } from '@kp/shared';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class KommoWebhookState {
  @ApiProperty({ type: Boolean, nullable: true, description: 'null when Kommo could not be asked' })
  registered!: boolean | null;

  @ApiProperty({ description: 'Kommo has switched every one of our webhooks off' })
  disabled!: boolean;

  @ApiProperty({ type: [String], description: 'Destinations, secret path token hidden' })
  destinations!: string[];

  @ApiPropertyOptional({ description: 'Why Kommo could not be asked' })
  error?: string;
}

export class KommoStatusView {
  @ApiProperty({ example: 'acmetravel' }) account!: string;
  @ApiProperty({ enum: ['long_lived', 'oauth'] }) mode!: 'long_lived' | 'oauth';
  @ApiProperty() connected!: boolean;
  @ApiPropertyOptional({ description: 'When the OAuth access token expires' }) expiresAt?: string;
  @ApiProperty({ description: 'Kommo answered 403 and calls are paused' }) blocked!: boolean;
  @ApiProperty({ type: String, nullable: true }) blockedUntil!: string | null;
  @ApiProperty({ type: KommoWebhookState }) webhook!: KommoWebhookState;
}

export class OAuthCodeBody {
  @ApiProperty({ description: "The authorization code from Kommo's redirect (valid 20 minutes)" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  code!: string;
}

class KommoStageView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
}

export class KommoPipelineView implements KommoPipeline {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [KommoStageView] }) stages!: KommoStageView[];
}

export class KommoPipelineList {
  @ApiProperty({ type: [KommoPipelineView] }) items!: KommoPipelineView[];
}
