import type { ProgressEvent, ProgressListener } from "@omicslake/core";
import { MultiBar, type SingleBar } from "cli-progress";
import { humanBytes } from "./output.js";
import { terminalText } from "./terminal-text.js";

interface Bar {
  readonly bar: SingleBar;
  total: number | undefined;
}

const WITH_TOTAL = "{label} [{bar}] {percentage}% | {done}/{all} {unit} | {eta_formatted}";
const WITHOUT_TOTAL = "{label} {done} {unit}";

/**
 * Draws the progress events of every flow step on stderr: one bar per step and stage, in the order
 * they first appear, removed when the renderer stops. A stage whose total is not known yet shows a
 * running count instead of a bar. Quiet when stderr is not a terminal or output is JSON, so logs
 * and pipes stay clean.
 *
 * @example
 * const progress = ProgressRenderer.forStderr(out.json);
 * try { await ingestDataset(lake, target, { onProgress: progress.listener }); } finally { progress.stop(); }
 */
export class ProgressRenderer {
  readonly listener: ProgressListener = (event) => this.update(event);
  readonly #bars = new Map<string, Bar>();
  readonly #multi: MultiBar | undefined;

  constructor(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
    this.#multi = enabled
      ? new MultiBar({ stream, hideCursor: true, clearOnComplete: true, autopadding: true })
      : undefined;
  }

  /** A renderer that draws when stderr is a terminal and the output is not JSON. */
  static forStderr(json: boolean): ProgressRenderer {
    return new ProgressRenderer(process.stderr.isTTY === true && !json);
  }

  get enabled(): boolean {
    return this.#multi !== undefined;
  }

  update(event: ProgressEvent): void {
    if (this.#multi === undefined) return;
    const key = `${event.step}\0${event.stage ?? ""}`;
    const payload = {
      label: terminalText(event.stage === undefined ? event.step : `${event.step} ${event.stage}`),
      done: count(event, event.done),
      all: event.total === undefined ? "" : count(event, event.total),
      unit: event.unit === "bytes" ? "" : event.unit,
    };
    let entry = this.#bars.get(key);
    if (entry === undefined || (entry.total === undefined) !== (event.total === undefined)) {
      // A total that appears (or goes) changes the bar's format, which cli-progress fixes at creation.
      if (entry !== undefined) this.#multi.remove(entry.bar);
      const bar = this.#multi.create(Math.max(event.total ?? 1, 1), event.done, payload, {
        format: event.total === undefined ? WITHOUT_TOTAL : WITH_TOTAL,
      });
      entry = { bar, total: event.total };
      this.#bars.set(key, entry);
      return;
    }
    if (event.total !== undefined && event.total !== entry.total) {
      entry.bar.setTotal(Math.max(event.total, 1));
      entry.total = event.total;
    }
    entry.bar.update(event.done, payload);
  }

  /** Prints a status line above the bars (which would otherwise overwrite it), or with `fallback` when quiet. */
  info(line: string, fallback: (line: string) => void): void {
    if (this.#multi === undefined) fallback(line);
    else this.#multi.log(`${terminalText(line)}\n`);
  }

  /** Removes the bars; call when the command ends, however it ends. */
  stop(): void {
    this.#multi?.stop();
    this.#bars.clear();
  }
}

function count(event: ProgressEvent, value: number): string {
  return event.unit === "bytes" ? humanBytes(value) : String(value);
}
