/**
 * Runs `tick` every `intervalMs` while started. The next round is scheduled only after the
 * previous one settles, so a slow backend never piles up overlapping requests.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private active = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;

    this.active = true;
    this.schedule();
  }

  stop(): void {
    this.active = false;

    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.round(), this.intervalMs);
  }

  private async round(): Promise<void> {
    this.timer = null;
    if (!this.active) return;

    try {
      await this.tick();
    } catch (error) {
      // The tick reports its own failures on screen; this only keeps the loop alive.
      console.error('[kp-widget] polling round failed', error);
    }

    if (this.active) this.schedule();
  }
}
