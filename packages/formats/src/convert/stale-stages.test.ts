import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stagePrefix, sweepStaleStages } from "./stale-stages.js";

describe("sweepStaleStages", () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), "omicslake-stages-"));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("removes staging folders of a killed conversion into the same output, and keeps live ones and strangers", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const live = basename(`${stagePrefix(parent, "out", "converting")}abc`);
    const killed = live.replace(`-${process.pid}-`, `-${dead}-`);
    const killedExtract = basename(`${stagePrefix(parent, "out", "extract")}def`).replace(
      `-${process.pid}-`,
      `-${dead}-`,
    );
    const otherOutput = basename(`${stagePrefix(parent, "other", "converting")}ghi`).replace(
      `-${process.pid}-`,
      `-${dead}-`,
    );
    for (const name of [live, killed, killedExtract, otherOutput, ".out.converting-legacy"]) {
      await mkdir(join(parent, name));
      await writeFile(join(parent, name, "part.parquet"), "partial");
    }
    expect((await sweepStaleStages(parent, "out")).sort()).toEqual([killed, killedExtract].sort());
    expect((await readdir(parent)).sort()).toEqual([live, otherOutput, ".out.converting-legacy"].sort());
  });
});
