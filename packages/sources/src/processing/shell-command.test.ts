import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillCommand, OUTPUT_TAIL_BYTES, runShell, shellQuote, TailBuffer } from "./shell-command.js";

describe("shell commands", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-shell-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("quotes any value as one word, spaces, quotes and dollars included", async () => {
    const name = join(dir, `Homo sapiens--it's $HOME "x".txt`);
    await writeFile(name, "content\n");
    const command = fillCommand(
      "cat {input} && printf '%s|' {species}",
      {
        input: shellQuote(name),
        species: shellQuote("Canis lupus--familiaris"),
      },
      () => new Error("missing"),
    );
    const result = await runShell(command, { cwd: dir });
    expect(result).toMatchObject({ code: 0, signal: null, stdoutTail: "content\nCanis lupus--familiaris|" });
  });

  it("never runs what a value holds: $(…), backquotes, quotes, newlines and a leading dash stay one word", async () => {
    const hostile = [
      `$(touch ${join(dir, "pwned1")})`,
      `\`touch ${join(dir, "pwned2")}\``,
      `it's'; touch ${join(dir, "pwned3")}; '`,
      `two\nlines; touch ${join(dir, "pwned4")}`,
      "-n",
    ];
    for (const value of hostile) {
      const command = fillCommand("printf '%s|' {item}", { item: shellQuote(value) }, () => new Error("x"));
      const result = await runShell(command, { cwd: dir });
      expect(result).toMatchObject({ code: 0, stdoutTail: `${value}|` });
    }
    for (const n of [1, 2, 3, 4]) expect(existsSync(join(dir, `pwned${n}`))).toBe(false);
  });

  it("keeps {{ and }} as braces and names a placeholder without a value", () => {
    expect(fillCommand("awk '{{print $1}}' {input}", { input: "'a'" }, () => new Error("x"))).toBe(
      "awk '{print $1}' 'a'",
    );
    expect(() => fillCommand("cat {input1}", {}, (name) => new Error(`no value for {${name}}`))).toThrow(
      "no value for {input1}",
    );
  });

  it("reports the exit code and keeps only the tail of what a command prints", async () => {
    const result = await runShell(
      `head -c ${3 * OUTPUT_TAIL_BYTES} /dev/zero | tr '\\0' a; echo END; echo oops >&2; exit 3`,
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderrTail).toBe("oops\n");
    expect(result.stdoutTail.startsWith("…a")).toBe(true);
    expect(result.stdoutTail.endsWith("aEND\n")).toBe(true);
    expect(Buffer.byteLength(result.stdoutTail)).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES + 3);
  });

  it("kills the command and what it started when the signal aborts", async () => {
    const controller = new AbortController();
    const marker = join(dir, "started");
    const pending = runShell(`(sleep 60; echo late) & touch ${shellQuote(marker)}; wait`, {
      cwd: dir,
      signal: controller.signal,
    });
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const result = await pending;
    expect(result.signal).toBe("SIGKILL");
    expect(result.stdoutTail).toBe("");
  });

  it("keeps the right tail whatever the chunk sizes, from a reused buffer", () => {
    const text = "0123456789abcdefghij";
    for (const size of [1, 2, 3, 7, 20]) {
      const tail = new TailBuffer(8);
      const reused = Buffer.alloc(size);
      for (let at = 0; at < text.length; at += size) {
        const n = reused.write(text.slice(at, at + size));
        tail.push(reused.subarray(0, n));
      }
      expect(tail.text(), `chunks of ${size}`).toBe("…cdefghij");
    }
  });
});
