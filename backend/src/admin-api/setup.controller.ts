import { Body, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import { SetupWebhooksBody, SetupWebhooksView } from './dto/setup.dto';
import { WebhookSetupService } from './webhook-setup.service';

@AdminController('setup', 'admin: set-up')
export class SetupController {
  constructor(private readonly setup: WebhookSetupService) {}

  @Post('webhooks')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register the Kommo webhook and the Postmark event and inbound webhooks',
    description: 'Idempotent: what is already right is left alone. The answer carries no secrets.',
  })
  @ApiOkResponse({ type: SetupWebhooksView })
  @ApiErrors(400)
  run(@Body() body: SetupWebhooksBody): Promise<SetupWebhooksView> {
    return this.setup.run(body.publicUrl);
  }
}
