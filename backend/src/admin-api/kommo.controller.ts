import { Body, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController, ApiErrors } from './admin-controller.decorator';
import { KommoPipelineList, KommoStatusView, OAuthCodeBody } from './dto/kommo.dto';
import { KommoAdminService } from './kommo-admin.service';

@AdminController('kommo', 'admin: Kommo connection')
export class KommoController {
  constructor(private readonly kommo: KommoAdminService) {}

  @Get('status')
  @ApiOperation({
    summary: 'Token mode and expiry, block state, and whether our webhook is registered',
  })
  @ApiOkResponse({ type: KommoStatusView })
  status(): Promise<KommoStatusView> {
    return this.kommo.status();
  }

  @Post('oauth')
  @HttpCode(200)
  @ApiOperation({ summary: 'Connect the account: exchange an authorization code for tokens' })
  @ApiOkResponse({ type: KommoStatusView })
  @ApiErrors(400, 409, 422)
  connect(@Body() body: OAuthCodeBody): Promise<KommoStatusView> {
    return this.kommo.connect(body.code);
  }

  @Get('pipelines')
  @ApiOperation({ summary: 'Pipelines and their stages, for writing stage rules' })
  @ApiOkResponse({ type: KommoPipelineList })
  async pipelines(): Promise<KommoPipelineList> {
    return { items: await this.kommo.pipelines() };
  }
}
