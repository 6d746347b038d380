import type { Catalog } from "../catalog/catalog.js";

/** How long a run stays `running` without its owner renewing: a minute, renewed every 15 s. */
export const DEFAULT_RUN_LEASE_MS = 60_000;

export interface RunLeaseOptions {
  /** Lease length; the heartbeat renews it every third of that. */
  readonly leaseMs: number;
  /** The clock leases are measured by; tests inject one. */
  readonly clock: () => Date;
}

/**
 * The heartbeat of one running run: a timer that pushes the lease forward while the process lives. It
 * is unref'd, so it never keeps a finished process alive, and it stops with the run. A failed renewal
 * (the database briefly unreachable) is retried at the next beat; the lease is three beats long.
 */
export class RunLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<unknown> | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly runId: number,
    private readonly token: string,
    private readonly options: RunLeaseOptions,
  ) {}

  /** When a lease taken now would expire. */
  static expiry(options: RunLeaseOptions): Date {
    return new Date(options.clock().getTime() + options.leaseMs);
  }

  start(): void {
    const every = Math.max(1, Math.floor(this.options.leaseMs / 3));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  /** Renews once now; false when the run is no longer running (someone marked it abandoned). */
  async renew(): Promise<boolean> {
    return this.catalog.renewRunLease(this.runId, this.token, RunLease.expiry(this.options));
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    // A renewal in flight must not land after the run is finished (or the catalog closed).
    await this.renewing;
  }

  private async beat(): Promise<void> {
    if (this.renewing !== undefined) return;
    this.renewing = this.renew().catch(() => false);
    try {
      await this.renewing;
    } finally {
      this.renewing = undefined;
    }
  }
}
