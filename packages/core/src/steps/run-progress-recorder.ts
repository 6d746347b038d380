import type { Catalog } from "../catalog/catalog.js";
import type { ProgressEvent } from "./progress-event.js";

/** How often a running run's row takes its latest progress event, at most. */
export const DEFAULT_PROGRESS_WRITE_MS = 1_000;

/**
 * Keeps the latest progress event of a running run in its catalog row, so any process reading the
 * catalog (the API server, `runs show`) sees how far a run started elsewhere (a CLI ingest) is. Events
 * can arrive thousands of times a second; the row is written at most once per interval with the
 * newest one, by an unref'd timer that never keeps the process alive.
 */
export class RunProgressRecorder {
  private latest: ProgressEvent | undefined;
  private written: ProgressEvent | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly catalog: Pick<Catalog, "recordRunProgress">,
    private readonly runId: number,
    private readonly ownerToken: string,
    private readonly intervalMs = DEFAULT_PROGRESS_WRITE_MS,
  ) {}

  /** The newest event seen, which the run's final row keeps. */
  get last(): ProgressEvent | undefined {
    return this.latest;
  }

  note(event: ProgressEvent): void {
    this.latest = event;
    this.schedule();
  }

  /** Stops writing; a write in flight is awaited so it cannot land after the run is finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private schedule(): void {
    // One write at a time, so rows never take an older event after a newer one.
    if (this.stopped || this.timer !== undefined || this.writing !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.intervalMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const event = this.latest;
    if (this.stopped || event === undefined || event === this.written) return;
    // A lost write only makes the shown progress older; the next event or the run's finish repairs it.
    this.writing = this.catalog.recordRunProgress(this.runId, this.ownerToken, event).catch(() => false);
    try {
      await this.writing;
      this.written = event;
    } finally {
      this.writing = undefined;
    }
    if (this.latest !== this.written) this.schedule();
  }
}
