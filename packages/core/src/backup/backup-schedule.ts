import { ValidationError } from "../errors/omicslake-error.js";
import type { BackupKind } from "./backup-layout.js";

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** `HH:MM` (24 h) for daily; `ddd HH:MM` (sun … sat) for weekly. The config schema uses these too. */
export const DAILY_SLOT = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const WEEKLY_SLOT = /^(sun|mon|tue|wed|thu|fri|sat) ([01]\d|2[0-3]):([0-5]\d)$/;

/** A time of day, and for weekly slots a weekday (0 = Sunday), in the server's local time zone. */
export interface Slot {
  readonly weekday: number | undefined;
  readonly hour: number;
  readonly minute: number;
}

export function parseSlot(kind: "daily" | "weekly", text: string): Slot {
  const match = (kind === "daily" ? DAILY_SLOT : WEEKLY_SLOT).exec(text.trim().toLowerCase());
  if (!match) {
    throw new ValidationError(`[backup] ${kind} = ${JSON.stringify(text)} is not a ${kind} time`, {
      details: { key: `backup.${kind}`, value: text },
      hint: kind === "daily" ? 'Write "HH:MM", e.g. "02:00"' : 'Write "ddd HH:MM", e.g. "sun 03:00"',
    });
  }
  const parts = match.slice(1);
  const weekday =
    kind === "weekly" ? WEEKDAYS.indexOf(parts.shift() as (typeof WEEKDAYS)[number]) : undefined;
  return { weekday, hour: Number(parts[0]), minute: Number(parts[1]) };
}

function slotOn(day: Date, offsetDays: number, slot: Slot): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + offsetDays, slot.hour, slot.minute);
}

/** The latest slot at or before `now`. */
export function previousSlot(slot: Slot, now: Date): Date {
  for (let i = 0; i >= -8; i--) {
    const candidate = slotOn(now, i, slot);
    if (candidate <= now && (slot.weekday === undefined || candidate.getDay() === slot.weekday))
      return candidate;
  }
  throw new Error("no slot in the last eight days");
}

/** The first slot after `now`. */
export function nextSlot(slot: Slot, now: Date): Date {
  for (let i = 0; i <= 8; i++) {
    const candidate = slotOn(now, i, slot);
    if (candidate > now && (slot.weekday === undefined || candidate.getDay() === slot.weekday))
      return candidate;
  }
  throw new Error("no slot in the next eight days");
}

/** The scheduler's view of time, so tests drive it without waiting. */
export interface SchedulerClock {
  now(): Date;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: SchedulerClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      // Timers cap at about 24.8 days; a weekly slot is at most a week away.
      const timer = setTimeout(done, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

export interface BackupSchedulerOptions {
  readonly daily?: string | undefined;
  readonly weekly?: string | undefined;
  readonly clock?: SchedulerClock;
  /** When the last backup of a kind succeeded (catch-up after downtime). */
  readonly lastSucceeded: (kind: BackupKind) => Promise<Date | undefined>;
  /** Makes one backup; the scheduler never runs two at once. */
  readonly run: (kind: "daily" | "weekly") => Promise<unknown>;
  /** Told about a backup that failed; the next slot tries again. */
  readonly onError?: (kind: "daily" | "weekly", error: unknown) => void;
}

/**
 * Runs the `[backup]` schedule inside a long-running process (`omicslake serve`). One backup at a
 * time, in one loop. A slot missed while no server ran (the last success of that kind is older than
 * the latest slot) is made up once at start-up, not once per missed slot; a slot whose backup fails is
 * not retried before the next slot, so a broken destination does not loop.
 */
export class BackupScheduler {
  readonly #slots: { kind: "daily" | "weekly"; slot: Slot }[] = [];
  readonly #clock: SchedulerClock;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(private readonly options: BackupSchedulerOptions) {
    this.#clock = options.clock ?? systemClock;
    if (options.weekly !== undefined)
      this.#slots.push({ kind: "weekly", slot: parseSlot("weekly", options.weekly) });
    if (options.daily !== undefined)
      this.#slots.push({ kind: "daily", slot: parseSlot("daily", options.daily) });
  }

  get active(): boolean {
    return this.#slots.length > 0;
  }

  start(): void {
    if (!this.active || this.#loop) return;
    this.#loop = this.#run();
  }

  /** Stops waiting for the next slot and waits for a backup in progress to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const attempted = new Map<string, number>();
    while (!signal.aborted) {
      const now = this.#clock.now();
      for (const { kind, slot } of this.#slots) {
        if (signal.aborted) return;
        const due = previousSlot(slot, now);
        if ((attempted.get(kind) ?? -Infinity) >= due.getTime()) continue;
        attempted.set(kind, due.getTime());
        const last = await this.options.lastSucceeded(kind).catch(() => undefined);
        if (last !== undefined && last >= due) continue;
        try {
          await this.options.run(kind);
        } catch (error) {
          this.options.onError?.(kind, error);
        }
      }
      const after = this.#clock.now();
      const wake = Math.min(...this.#slots.map(({ slot }) => nextSlot(slot, after).getTime()));
      await this.#clock.sleep(wake - after.getTime(), signal);
    }
  }
}
