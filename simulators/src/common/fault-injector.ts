export type FaultKind = '429' | '500' | 'timeout';

export interface FaultOptions {
  /** Share of calls that fail, 0..1. */
  rate: number;
  /** Failure kinds drawn at random. Default: '429' and '500' ('timeout' stalls, so ask for it). */
  kinds?: FaultKind[];
  /** How long a 'timeout' holds the request before destroying the socket. Default 15000. */
  timeoutMs?: number;
  /** Seed of a deterministic generator; without it Math.random is used. */
  seed?: number;
}

const DEFAULT_KINDS: FaultKind[] = ['429', '500'];
const DEFAULT_TIMEOUT_MS = 15_000;

/** Decides, call by call, whether a simulator should fail and how. */
export class FaultInjector {
  private options: FaultOptions = { rate: 0 };
  private random: () => number = Math.random;

  constructor(options?: FaultOptions) {
    this.configure(options);
  }

  configure(options: FaultOptions = { rate: 0 }): void {
    if (!(options.rate >= 0 && options.rate <= 1)) {
      throw new RangeError(`fault rate must be between 0 and 1, got ${options.rate}`);
    }

    this.options = { ...options };
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  draw(): FaultKind | undefined {
    if (this.options.rate <= 0 || this.random() >= this.options.rate) {
      return undefined;
    }

    const kinds = this.options.kinds?.length ? this.options.kinds : DEFAULT_KINDS;

    return kinds[Math.floor(this.random() * kinds.length)];
  }
}

/** mulberry32: tiny, fast and good enough to make a failure pattern repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;

  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
