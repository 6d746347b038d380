import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProgressRenderer } from "./progress-renderer.js";

/** A terminal stand-in: cli-progress draws only on a stream that says it is a TTY. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  // Escape sequences left out, so assertions read the drawn text.
  const escapes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");
  return { stream, text: () => written.replace(escapes, "") };
}

describe("ProgressRenderer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws one bar per step and stage, a count while the total is unknown", () => {
    vi.useFakeTimers();
    const terminal = fakeTerminal();
    const renderer = new ProgressRenderer(true, terminal.stream);
    renderer.update({ step: "ingest:sra", stage: "files", unit: "files", done: 0, total: 5 });
    renderer.update({ step: "ingest:sra", stage: "download", unit: "bytes", done: 1024, item: "a.xml.gz" });
    renderer.update({
      step: "ingest:sra",
      stage: "files",
      unit: "files",
      done: 2,
      total: 5,
      item: "a.xml.gz",
    });
    vi.advanceTimersByTime(500);
    const drawn = terminal.text();
    expect(drawn).toContain("ingest:sra files [");
    expect(drawn).toContain("40% | 2/5 files");
    expect(drawn).toContain("ingest:sra download 1.0 KiB");
    renderer.info("  sra: 5 fetched", () => {
      throw new Error("the renderer is drawing: the line goes above the bars");
    });
    vi.advanceTimersByTime(500);
    expect(terminal.text()).toContain("  sra: 5 fetched\n");
    renderer.stop();
  });

  it("draws nothing when disabled, and passes status lines to the fallback", () => {
    const terminal = fakeTerminal();
    const renderer = new ProgressRenderer(false, terminal.stream);
    renderer.listener({ step: "consolidate", stage: "entities", unit: "entities", done: 1, total: 10 });
    const lines: string[] = [];
    renderer.info("a line", (line) => lines.push(line));
    renderer.stop();
    expect(renderer.enabled).toBe(false);
    expect(terminal.text()).toBe("");
    expect(lines).toEqual(["a line"]);
  });
});
