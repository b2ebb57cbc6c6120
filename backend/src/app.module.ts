import { Module } from '@nestjs/common';
import { AdminApiModule } from './admin-api/admin-api.module';
import { CoreModule } from './core.module';
import { WidgetApiModule } from './widget-api/widget-api.module';

@Module({
  imports: [CoreModule, AdminApiModule, WidgetApiModule],
})
export class AppModule {}
