import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLake, loadConfig, type Lake } from "@omicslake/core";
import { runTsChild } from "@omicslake/core/testing";
import { addSourceKind } from "../src/kinds/source-kinds.js";
import { bytesOf } from "./helpers/test-bytes.js";
import { TEST_TREE_KIND } from "./helpers/test-tree-kind.js";

addSourceKind(TEST_TREE_KIND);
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, "process-kill-child.ts");

// A real process boundary: "process" is SIGKILLed while its command runs, then run again. The rerun must
// finish every item, leave nothing of the killed run visible or on disk, and keep the lake consistent.
describe("a process killed mid-command", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-kill-"));
    await mkdir(join(dir, "tree", "reads"), { recursive: true });
    await writeFile(join(dir, "tree", "reads", "K1"), "first item\n");
    await writeFile(join(dir, "tree", "reads", "K2"), "second item\n");
    await writeFile(
      join(dir, "omicslake.toml"),
      `[lake]
root = "lake"

[source.tree]
kind = "test-tree"
path = "tree"

[processing.copy]
steps = [
  "ingest",
  { name = "copy", output = "copy.txt", command = 'cat {input} > {output}; if [ ! -e ${dir}/killed ]; then touch ${dir}/killed; kill -9 $PPID; sleep 5; fi' },
]

[role.seq]
run = ["copy"]

[data.reads]
source = "tree"
role = "seq"
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reruns to completion with nothing of the killed run half-visible", async () => {
    const killed = await runTsChild(CHILD, [dir], "process (to be killed)");
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(join(dir, "killed"))).toBe(true);
    // The killed run's work directory is still there, with the output it was writing.
    expect(await readdir(join(dir, "lake", "work"))).toHaveLength(1);

    const rerun = await runTsChild(CHILD, [dir], "process (rerun)");
    expect(rerun.signal).toBeNull();
    expect(JSON.parse(rerun.stdout)).toEqual([
      { step: "ingest", ran: 0, skipped: 2, failed: 0 },
      { step: "copy.copy", ran: 2, skipped: 0, failed: 0 },
    ]);
    expect(await readdir(join(dir, "lake", "work"))).toEqual([]);

    const config = await loadConfig({ file: join(dir, "omicslake.toml"), env: {} });
    const lake: Lake = await openLake(config);
    try {
      const runs = (await lake.catalog.listRuns({ step: "command:copy.copy", limit: 10 })).items;
      expect(runs.map((r) => [r.parameters["item"], r.status]).sort()).toEqual([
        ["K1", "abandoned"],
        ["K1", "succeeded"],
        ["K2", "succeeded"],
      ]);
      const copies = (await lake.listObjects("processed:copy.copy")).items;
      expect(copies.map((o) => o.name)).toEqual(["seq/reads/K1/copy.txt", "seq/reads/K2/copy.txt"]);
      expect((await bytesOf(await lake.readObject(copies[0]!))).toString()).toBe("first item\n");
      const report = await lake.fsck();
      expect(report.problems).toEqual([]);
    } finally {
      await lake.close();
    }
  });
});
