import { SingleBar } from "cli-progress";
import { cliIo } from "../cli-io.js";
import { terminalText, writeStderrLine } from "./terminal-text.js";

/** Writes command results as a table for people or as JSON for scripts (`--json`). */
export class Output {
  constructor(readonly json: boolean) {}

  /**
   * Prints data: JSON when asked (which escapes control characters itself), otherwise `human()` decides
   * the text, shown with control characters escaped.
   */
  data(value: unknown, human: () => string): void {
    cliIo().stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${terminalText(human())}\n`);
  }

  /** A status line for people; silent in JSON mode so stdout stays parseable. */
  info(message: string): void {
    if (!this.json) writeStderrLine(message);
  }

  /**
   * A progress bar on stderr when stderr is a terminal; otherwise a no-op so logs and pipes stay clean.
   */
  progress(label: string, total: number, unit: "bytes" | "items" = "items"): Progress {
    const stderr = cliIo().stderr;
    if (!stderr.isTTY || this.json) return { update: () => undefined, stop: () => undefined };
    const format = unit === "bytes" ? humanBytes : (n: number) => String(n);
    const bar = new SingleBar({
      format: `${terminalText(label)} [{bar}] {percentage}% | {done}/{all} | {eta_formatted}`,
      stream: stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(Math.max(total, 1), 0, { done: format(0), all: format(total) });
    return {
      update: (value: number) => bar.update(value, { done: format(value), all: format(total) }),
      stop: () => bar.stop(),
    };
  }
}

export interface Progress {
  update(value: number): void;
  stop(): void;
}

export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A plain left-aligned text table. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? "").padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
