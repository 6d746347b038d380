import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockPartial, parseContentRange } from "./resumable-download.js";

describe("parseContentRange", () => {
  it("reads a range answer and a 416 answer", () => {
    expect(parseContentRange("bytes 100-199/200")).toEqual({ start: 100, total: 200 });
    expect(parseContentRange("bytes 100-199/*")).toEqual({ start: 100, total: undefined });
    expect(parseContentRange("bytes */200")).toEqual({ start: undefined, total: 200 });
  });

  it("refuses anything else", () => {
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange("items 1-2/3")).toBeUndefined();
  });
});

describe("lockPartial", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lets one holder at a time download a partial file", async () => {
    const partial = join(dir, "abc-file.xml");
    const unlock = await lockPartial(partial, "http://u/file.xml");
    expect(await readFile(`${partial}.lock`, "utf8")).toBe(String(process.pid));
    await expect(lockPartial(partial, "http://u/file.xml")).rejects.toMatchObject({
      code: "download_in_progress",
      details: { url: "http://u/file.xml", pid: process.pid },
    });
    await unlock();
    const again = await lockPartial(partial, "http://u/file.xml");
    await again();
  });

  it("takes over a lock left by a process that died", async () => {
    const partial = join(dir, "abc-file.xml");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(`${partial}.lock`, String(dead));
    const unlock = await lockPartial(partial, "http://u/file.xml");
    expect(await readFile(`${partial}.lock`, "utf8")).toBe(String(process.pid));
    await unlock();
  });
});
