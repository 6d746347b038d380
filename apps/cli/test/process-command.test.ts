import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addSourceKind, type DataItem, type SourceKind } from "@omicslake/sources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

// A kind of this test's own, registered as a plugin would be: every file of the dataset's directory is an item.
const FLAT_KIND: SourceKind = {
  spec: {
    kind: "flat-test",
    description: "a flat test directory",
    sourceKeys: {},
    dataKeys: {},
    layouts: ["files"],
    path: "required",
    url: "refused",
    steps: ["ingest", "checksum"],
  },
  async items(context) {
    const dir = join(context.root!, context.dataset.directory);
    const items: DataItem[] = (await readdir(dir)).sort().map((name) => ({
      dataset: context.dataset.name,
      key: name,
      files: [{ name, path: join(dir, name) }],
      paired: false,
      subdir: `${context.dataset.role}/${context.dataset.directory}/${name}`,
    }));
    return { items, problems: [] };
  },
};
addSourceKind(FLAT_KIND);

interface Wire {
  steps: {
    dataset?: string;
    step: string;
    ran: number;
    skipped: number;
    failed: number;
    failures: { code?: string }[];
  }[];
  failed: boolean;
}

describe("omicslake process", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-cli-"));
    await mkdir(join(dir, "tree", "notes"), { recursive: true });
    await mkdir(join(dir, "tree", "broken"), { recursive: true });
    await writeFile(join(dir, "tree", "notes", "a.txt"), "alpha\n");
    await writeFile(join(dir, "tree", "notes", "b.txt"), "beta!\n");
    await writeFile(join(dir, "tree", "broken", "c.txt"), "gamma\n");
    await writeFile(
      join(dir, "omicslake.toml"),
      `[lake]
root = ".omicslake"

[source.lab]
kind = "flat-test"
path = "tree"

[processing.count]
steps = ["ingest", "checksum", { name = "bytes", command = "wc -c < {input} | tr -d ' ' > {output}", output = "bytes.txt" }]

[processing.fail]
steps = ["ingest", { name = "exit", command = "echo no good >&2; exit 3" }]

[role.notes]
run = ["count"]
[role.bad]
run = ["fail"]

[data.notes]
source = "lab"
role = "notes"

[data.broken]
source = "lab"
role = "bad"
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs a role's steps, then skips what is unchanged", async () => {
    const first = await runInProcess(dir, ["process", "--role", "notes", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const wire = JSON.parse(first.stdout) as Wire;
    expect(wire.failed).toBe(false);
    expect(wire.steps.map((s) => [s.step, s.ran, s.skipped, s.failed])).toEqual([
      ["ingest", 2, 0, 0],
      ["checksum", 2, 0, 0],
      ["count.bytes", 2, 0, 0],
    ]);
    const ls = await runInProcess(dir, ["catalog", "ls", "--json"]);
    expect(ls.stdout).toContain('"count.bytes"');

    const again = await runInProcess(dir, ["process", "notes"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/notes\s+count\.bytes\s+0\s+2\s+0\s+ok/);
    const forced = JSON.parse(
      (await runInProcess(dir, ["process", "notes", "--force", "--json"])).stdout,
    ) as Wire;
    expect(forced.steps.at(-1)).toMatchObject({ step: "count.bytes", ran: 2, skipped: 0 });
  });

  it("exits 1 naming each failed item, and the other datasets still run", async () => {
    const result = await runInProcess(dir, ["process", "--jobs", "1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/broken\s+fail\.exit\s+0\s+0\s+1\s+failed/);
    expect(result.stdout).toContain("failed: broken fail.exit c.txt:");
    expect(result.stdout).toContain("exited with 3: no good");
    expect(result.stdout).toMatch(/notes\s+count\.bytes\s+0\s+2\s+0\s+ok/);
    const json = JSON.parse((await runInProcess(dir, ["process", "broken", "--json"])).stdout) as Wire;
    expect(json.steps.at(-1)?.failures[0]?.code).toBe("command_failed");
  });

  it("refuses a bad --jobs and an unknown dataset", async () => {
    expect((await runInProcess(dir, ["process", "--jobs", "0"])).code).toBe(2);
    const unknown = await runInProcess(dir, ["process", "nope"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no dataset "nope"');
  });

  it("ingests a dataset of a kind without an adapter", async () => {
    await writeFile(join(dir, "tree", "notes", "c.txt"), "gamma\n");
    const result = await runInProcess(dir, ["ingest", "notes", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({ dataset: "notes", fetched: 1, unchanged: 2 }),
    ]);
  });

  it("says there is nothing to process without datasets", async () => {
    const empty = await mkdtemp(join(tmpdir(), "omicslake-process-empty-"));
    try {
      await writeFile(join(empty, "omicslake.toml"), '[lake]\nroot = ".omicslake"\n');
      const result = await runInProcess(empty, ["process"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("nothing to process");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Runs the built CLI in a child process on the embedded catalog, to its end or its death. */
function cli(
  cwd: string,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env["DATABASE_URL"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout }));
  });
}

// The built CLI, SIGKILLed by its own command mid-item (as an OOM kill would), then run again: the rerun
// must finish every item, with nothing of the killed run visible and its work directory gone.
describe.skipIf(!existsSync(MAIN))("omicslake process killed mid-command", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-kill-cli-"));
    await writeFile(join(dir, "GSE1.soft"), "^SERIES = GSE1\n");
    await writeFile(join(dir, "GSE2.soft"), "^SERIES = GSE2\n");
    await writeFile(
      join(dir, "omicslake.toml"),
      `[lake]
root = ".omicslake"

[source.geo]
kind = "geo"

[processing.copy]
steps = [{ name = "copy", output = "copy.soft", command = 'cat {input} > {output}; if [ ! -e ${dir}/killed ]; then touch ${dir}/killed; kill -9 $PPID; sleep 5; fi' }]

[role.metadata]
run = ["copy"]

[data.series]
source = "geo"
role = "metadata"
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finishes on the rerun with nothing half-visible", async () => {
    expect((await cli(dir, ["add", "GSE1.soft", "GSE2.soft", "--dataset", "series"])).code).toBe(0);
    const killed = await cli(dir, ["process", "series", "--jobs", "1"]);
    expect(killed.signal).toBe("SIGKILL");
    expect(await readdir(join(dir, ".omicslake", "work"))).toHaveLength(1);

    const rerun = await cli(dir, ["process", "series", "--json"]);
    expect(rerun.code).toBe(0);
    expect((JSON.parse(rerun.stdout) as Wire).steps).toEqual([
      expect.objectContaining({ dataset: "series", step: "copy.copy", ran: 2, skipped: 0, failed: 0 }),
    ]);
    expect(await readdir(join(dir, ".omicslake", "work"))).toEqual([]);
    const runs = JSON.parse((await cli(dir, ["runs", "ls", "--json"])).stdout) as {
      data: { step: string; status: string }[];
    };
    expect(
      runs.data
        .filter((r) => r.step === "command:copy.copy")
        .map((r) => r.status)
        .sort(),
    ).toEqual(["abandoned", "succeeded", "succeeded"]);
    const fsck = await cli(dir, ["fsck", "--json"]);
    expect(fsck.code).toBe(0);
    const files = JSON.parse(
      (await cli(dir, ["catalog", "files", "processed:copy.copy", "--json"])).stdout,
    ) as {
      data: { name: string; size: number }[];
    };
    expect(files.data.map((o) => [o.name, o.size])).toEqual([
      ["metadata/series/GSE1.soft/copy.soft", 15],
      ["metadata/series/GSE2.soft/copy.soft", 15],
    ]);
  });
});

// Killed between publishing two outputs of an item (the fault point after each recorded output): the item's
// record must not let the next run skip it with a stray output beside its real ones.
describe.skipIf(!existsSync(MAIN))("omicslake process killed between two outputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-publish-kill-"));
    await writeFile(join(dir, "GSE9.soft"), "^SERIES = GSE9\n");
    await writeFile(
      join(dir, "omicslake.toml"),
      `[lake]
root = ".omicslake"

[source.geo]
kind = "geo"

[processing.split]
steps = [{ name = "parts", command = 'cat {input} > {output}/a.txt; if [ -e ${dir}/two ]; then cat {input} > {output}/b.txt; fi' }]

[role.metadata]
run = ["split"]

[data.series]
source = "geo"
role = "metadata"
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("redoes the item on the next run and removes the output it no longer makes", async () => {
    const names = async (): Promise<string[]> =>
      (
        JSON.parse((await cli(dir, ["catalog", "files", "processed:split.parts", "--json"])).stdout) as {
          data: { name: string }[];
        }
      ).data.map((o) => o.name);
    expect((await cli(dir, ["add", "GSE9.soft", "--dataset", "series"])).code).toBe(0);
    expect((await cli(dir, ["process"])).code).toBe(0);
    expect(await names()).toEqual(["metadata/series/GSE9.soft/a.txt"]);

    await writeFile(join(dir, "two"), "");
    const killed = await cli(dir, ["process", "--force"], {
      OMICSLAKE_FAULT_KILL_AT: "command:split.parts.output:2",
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(await names()).toEqual(["metadata/series/GSE9.soft/a.txt", "metadata/series/GSE9.soft/b.txt"]);

    await rm(join(dir, "two"));
    const rerun = await cli(dir, ["process", "--json"]);
    expect(rerun.code).toBe(0);
    expect((JSON.parse(rerun.stdout) as Wire).steps).toEqual([
      expect.objectContaining({ step: "split.parts", ran: 1, skipped: 0 }),
    ]);
    expect(await names()).toEqual(["metadata/series/GSE9.soft/a.txt"]);
  });
});
