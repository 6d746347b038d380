/**
 * Spaces request starts at least `1 / requestsPerSecond` apart, across every concurrent caller, so a
 * pool of downloads and a paging search share one budget (NCBI counts requests per client, not per call).
 */
export class RateLimiter {
  readonly #intervalMs: number;
  #next = 0;

  constructor(
    requestsPerSecond: number | undefined,
    private readonly sleep: (ms: number) => Promise<void> = delay,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#intervalMs = requestsPerSecond && requestsPerSecond > 0 ? 1000 / requestsPerSecond : 0;
  }

  /** Resolves when the caller may start its request. */
  async acquire(): Promise<void> {
    if (this.#intervalMs === 0) return;
    const now = this.now();
    // Reserve the slot before sleeping so callers arriving meanwhile queue behind it.
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#intervalMs;
    if (slot > now) await this.sleep(slot - now);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
