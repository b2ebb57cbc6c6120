import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PostmarkClient } from '../postmark/postmark.client';
import { StageRulesService } from './stage-rules.service';

/**
 * Warns at start-up about rules that cannot work: a template alias the Postmark server
 * does not have. Runs in the background so a Postmark outage does not block start-up.
 */
@Injectable()
export class StartupCheckService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupCheckService.name);

  constructor(
    private readonly postmark: PostmarkClient,
    private readonly rules: StageRulesService,
  ) {}

  onApplicationBootstrap(): void {
    void this.check();
  }

  // TODO(sender-check): confirming the sender needs Postmark's account token, which we do not
  // hold; an unconfirmed sender shows as one operator error (ErrorCode 400/401) on first send.
  async check(): Promise<string[]> {
    try {
      const known = new Set(
        (await this.postmark.listTemplates()).map((template) => template.alias),
      );
      const missing = this.rules.aliases().filter((alias) => !known.has(alias));
      if (missing.length > 0) {
        this.logger.warn(
          `stage rules use templates the Postmark server does not have: ${missing.join(', ')}. ` +
            'Emails for those stages will fail until the templates exist.',
        );
      }

      return missing;
    } catch (error) {
      this.logger.warn(`could not check Postmark templates at start-up: ${String(error)}`);
      return [];
    }
  }
}
