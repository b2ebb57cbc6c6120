import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from './database.service';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseService,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const database = new DatabaseService({
          url: config.DATABASE_URL,
          dataDir: config.DATA_DIR,
          schema: config.DATABASE_SCHEMA,
        });
        await database.migrate();

        return database;
      },
    },
  ],
  exports: [DatabaseService],
})
export class DatabaseModule {}
