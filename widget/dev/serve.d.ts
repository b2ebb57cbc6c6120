export interface HarnessOptions {
  /** Default env HARNESS_PORT or 8190; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Default env BACKEND_URL or http://127.0.0.1:3000. */
  backendUrl?: string;
  /** The integration's client secret; default env KOMMO_CLIENT_SECRET. */
  secret?: string;
  /** Default env WIDGET_TOKEN_AUDIENCE or the backend's origin. */
  audience?: string;
  /** Default env KOMMO_SUBDOMAIN or acmetravel. */
  subdomain?: string;
  /** Default env KOMMO_ACCOUNT_ID or 30127781. */
  accountId?: number;
  userId?: number;
  clientUuid?: string;
  widgetCode?: string;
  distDir?: string;
}

export interface RunningHarness {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startHarness(options?: HarnessOptions): Promise<RunningHarness>;
