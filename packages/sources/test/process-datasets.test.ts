import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CancelledError,
  parseConfig,
  type CatalogObject,
  type Lake,
  type LakeConfig,
  type ProgressEvent,
  type Run,
} from "@omicslake/core";
import { describeOnLakeEngines, expectMonotonicProgress } from "@omicslake/core/testing";
import { addSourceKind } from "../src/kinds/source-kinds.js";
import {
  processDatasets,
  type ProcessHandlers,
  type StepOutcome,
} from "../src/processing/process-datasets.js";
import { bytesOf } from "./helpers/test-bytes.js";
import { TEST_TREE_KIND } from "./helpers/test-tree-kind.js";

addSourceKind(TEST_TREE_KIND);

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The configuration of these tests: one tree, datasets of four roles, chained and cross-section steps. */
function configText(dir: string): string {
  return `
[lake]
root = "lake"

[source.tree]
kind = "test-tree"
path = "tree"

[role.seq]
run = ["qc", "report"]
[role.paired]
run = ["mates"]
[role.fragile]
run = ["fragile"]
[role.slow]
run = ["slow"]
[role.meta]
run = ["publish"]
[role.shrink]
run = ["split"]
[role.records]
run = ["lines"]
[role.bare]
run = ["bare"]

[processing.qc]
steps = [
  "ingest",
  { name = "counts", command = "cat {input} | wc -c | tr -d ' ' > {output}", output = "counts.txt" },
  { name = "doubled", command = "cat {input} {input} > {output}", output = "doubled.txt" },
]

[processing.report]
steps = [
  { name = "summary", command = "cat {input} > {output}/summary.txt && echo {item} > {output}/item.txt", input = "counts@qc" },
]

[processing.mates]
steps = ["ingest", { name = "mates", command = "cat {input1} > {output}/first.txt && cat {input2} > {output}/second.txt" }]

[processing.fragile]
steps = [
  "ingest",
  { name = "size", command = 'if [ -e ${dir}/fail-{item} ]; then echo boom on {item} >&2; exit 3; fi; wc -c < {input} | tr -d " " > {output}', output = "size.txt" },
]

[processing.slow]
steps = ["ingest", { name = "wait", command = "touch ${dir}/started-{item}; sleep 60; cat {input} > {output}", output = "out.txt" }]

[processing.split]
steps = ["ingest", { name = "parts", command = "echo a > {output}/a.txt; if [ ! -e ${dir}/one-part ]; then echo b > {output}/b.txt; fi" }]

[processing.lines]
steps = ["parse", { name = "count", command = "wc -l < {input} | tr -d ' ' > {output}", output = "lines.txt" }]

[source.geo]
kind = "geo"

[data.geo-records]
source = "geo"
role = "records"

[processing.bare]
steps = [{ name = "copy", command = "cat {input} > {output}", output = "copy.txt" }]

[data.uningested]
source = "tree"
role = "bare"

[processing.publish]
steps = ["ingest", "checksum", "consolidate", "snapshot", "load"]

[data.reads]
source = "tree"
role = "seq"

[data.pairs]
source = "tree"
role = "paired"

[data.flaky]
source = "tree"
role = "fragile"

[data.sleepy]
source = "tree"
role = "slow"

[data.feed]
source = "tree"
role = "meta"

[data.shrinking]
source = "tree"
role = "shrink"
`;
}

describeOnLakeEngines("processDatasets", (opened) => {
  let dir: string;
  let config: LakeConfig;
  const calls: string[] = [];
  const handlers: ProcessHandlers = {
    parseMetadata: async (_lake, _config, dataset) => void calls.push(`parse ${dataset.name}`),
    convert: async (_lake, dataset) => void calls.push(`convert ${dataset.name}`),
    expression: async (_lake, _config, dataset) => void calls.push(`expression ${dataset.name}`),
    consolidate: async () => void calls.push("consolidate"),
    snapshot: async () => void calls.push("snapshot"),
    load: async () => void calls.push("load"),
  };

  const tree = (...parts: string[]): string => join(dir, "tree", ...parts);
  const lake = (): Lake => opened().lake;
  const process = (names: string[], extra: { force?: boolean; signal?: AbortSignal } = {}) =>
    processDatasets(lake(), config, { names, handlers, jobs: 2, ...extra });
  const step = (steps: readonly StepOutcome[], dataset: string, name: string): StepOutcome => {
    const found = steps.find((s) => s.dataset === dataset && s.step === name);
    if (!found) throw new Error(`no outcome for ${dataset} ${name}: ${JSON.stringify(steps)}`);
    return found;
  };
  const object = async (dataset: string, name: string): Promise<CatalogObject | undefined> => {
    const found = await lake().catalog.findDataset(dataset, dataset.includes(".") ? "processed" : "raw");
    return found ? lake().catalog.findObjectByKey(lake().objectKey(found, name)) : undefined;
  };
  const text = async (dataset: string, name: string): Promise<string> => {
    const found = await object(dataset, name);
    if (!found) throw new Error(`no ${name} in ${dataset}`);
    return (await bytesOf(await lake().readObject(found))).toString("utf8");
  };
  const runsOf = async (stepName: string): Promise<readonly Run[]> =>
    (await lake().catalog.listRuns({ step: stepName, limit: 100 })).items;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-"));
    await mkdir(tree("reads", "D"), { recursive: true });
    await writeFile(tree("reads", "A_1.fq"), "@a/1\nACGT\n");
    await writeFile(tree("reads", "A_2.fq"), "@a/2\nTTGCA\n");
    await writeFile(tree("reads", "B.fq"), "@b\nAC\n");
    await writeFile(tree("reads", "D", "x.fq"), "@x\nA\n");
    await writeFile(tree("reads", ".hidden"), "never an item");
    await mkdir(tree("pairs"), { recursive: true });
    await writeFile(tree("pairs", "P_1.fq"), "mate one\n");
    await writeFile(tree("pairs", "P_2.fq"), "mate two\n");
    await mkdir(tree("flaky"), { recursive: true });
    for (const name of ["E", "F", "G"]) await writeFile(tree("flaky", name), `${name}`.repeat(5));
    await mkdir(tree("sleepy"), { recursive: true });
    await writeFile(tree("sleepy", "S"), "slow\n");
    await mkdir(tree("shrinking"), { recursive: true });
    await writeFile(tree("shrinking", "H"), "h\n");
    await mkdir(tree("uningested"), { recursive: true });
    await writeFile(tree("uningested", "U"), "u\n");
    await mkdir(tree("feed"), { recursive: true });
    await writeFile(tree("feed", "f1.txt"), "feed one\n");
    config = { ...parseConfig(configText(dir), { baseDir: dir, env: {} }), root: opened().root };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ingests items into raw with their role and source, runs chained commands and a reference across sections", async () => {
    const events: ProgressEvent[] = [];
    const summary = await processDatasets(lake(), config, {
      names: ["reads"],
      handlers,
      jobs: 2,
      onProgress: (event) => events.push(event),
    });
    expectMonotonicProgress(events);
    expect(events.filter((e) => e.step === "command:qc.counts").at(-1)).toMatchObject({
      stage: "reads",
      unit: "items",
      done: 3,
      total: 3,
    });
    expect(events.some((e) => e.step === "ingest:reads" && e.stage === "items" && e.done === 3)).toBe(true);
    expect(summary.failed).toBe(false);
    expect(summary.steps.map((s) => `${s.dataset}:${s.step}`)).toEqual([
      "reads:ingest",
      "reads:qc.counts",
      "reads:qc.doubled",
      "reads:report.summary",
    ]);
    for (const s of summary.steps) expect([s.step, s.ran, s.skipped, s.failed]).toEqual([s.step, 3, 0, 0]);

    const raw = await lake().dataset("raw:reads");
    expect(raw).toMatchObject({ source: "tree", objectCount: 4 });
    expect(raw.tags).toEqual(expect.arrayContaining(["role:seq", "kind:test-tree"]));
    expect(raw.metadata).toMatchObject({
      role: "seq",
      kind: "test-tree",
      directory: "reads",
      layout: "files",
    });
    expect((await object("reads", "B.fq"))?.sha256).toBe(sha("@b\nAC\n"));
    expect(await object("reads", ".hidden")).toBeUndefined();

    // A paired item's {input} is both mates; the counts are of their bytes together.
    expect(await text("qc.counts", "seq/reads/A/counts.txt")).toBe(`${"@a/1\nACGT\n@a/2\nTTGCA\n".length}\n`);
    expect(await text("qc.counts", "seq/reads/B.fq/counts.txt")).toBe("6\n");
    expect(await text("qc.counts", "seq/reads/D/counts.txt")).toBe("5\n");
    expect(await text("qc.doubled", "seq/reads/B.fq/doubled.txt")).toBe("6\n6\n");
    expect(await text("report.summary", "seq/reads/D/summary.txt")).toBe("5\n");
    expect(await text("report.summary", "seq/reads/D/item.txt")).toBe("D\n");

    // One run per item, with what it read and wrote, and provenance back to raw and across sections.
    const counts = await runsOf("command:qc.counts");
    expect(counts).toHaveLength(3);
    const runB = counts.find((r) => r.parameters["item"] === "B.fq")!;
    expect(runB).toMatchObject({ status: "succeeded", parameters: { dataset: "reads", threads: 1 } });
    expect(runB.inputs).toEqual([expect.objectContaining({ name: "B.fq", sha256: sha("@b\nAC\n") })]);
    expect(runB.outputs).toEqual([
      expect.objectContaining({ key: "processed/qc.counts/seq/reads/B.fq/counts.txt", sha256: sha("6\n") }),
    ]);
    expect(runB.log).toContain("wc -c");
    const lineage = await lake().lineage("processed:report.summary");
    const names = new Map(lineage.nodes.map((n) => [n.id, `${n.layer}:${n.name}`]));
    const edges = lineage.edges.map(
      (e) =>
        `${names.get(e.outputDatasetId)} <- ${e.inputDatasetId === null ? "outside" : names.get(e.inputDatasetId)} (${e.action})`,
    );
    expect(new Set(edges)).toEqual(
      new Set([
        "processed:report.summary <- processed:qc.counts (conversion)",
        "processed:qc.counts <- raw:reads (conversion)",
        "raw:reads <- outside (collection)",
      ]),
    );
    expect(lineage.edges.every((e) => e.runId !== null)).toBe(true);
    // Work directories go when their run ends.
    expect(existsSync(join(opened().root, "work")) ? await readdir(join(opened().root, "work")) : []).toEqual(
      [],
    );
  });

  it("skips unchanged items on a rerun and reruns only the item whose inputs changed", async () => {
    const again = await process(["reads"]);
    for (const s of again.steps) expect([s.step, s.ran, s.skipped]).toEqual([s.step, 0, 3]);

    await writeFile(tree("reads", "D", "y.fq"), "@y\nAAAA\n");
    const changed = await process(["reads"]);
    for (const s of changed.steps) expect([s.step, s.ran, s.skipped, s.failed]).toEqual([s.step, 1, 2, 0]);
    expect(await text("qc.counts", "seq/reads/D/counts.txt")).toBe(`${"@x\nA\n@y\nAAAA\n".length}\n`);
    expect(await text("report.summary", "seq/reads/D/summary.txt")).toBe("13\n");
    expect((await runsOf("command:qc.counts")).filter((r) => r.parameters["item"] === "D")).toHaveLength(2);
  });

  it("reruns everything with force", async () => {
    const forced = await process(["reads"], { force: true });
    for (const s of forced.steps) expect([s.step, s.ran, s.skipped]).toEqual([s.step, 3, 0]);
  });

  it("gives the mates of a pair as {input1} and {input2}", async () => {
    const summary = await process(["pairs"]);
    expect(summary.failed).toBe(false);
    expect(await text("mates.mates", "paired/pairs/P/first.txt")).toBe("mate one\n");
    expect(await text("mates.mates", "paired/pairs/P/second.txt")).toBe("mate two\n");
  });

  it("removes an item's outputs that its new run did not produce", async () => {
    await process(["shrinking"]);
    expect(await text("split.parts", "shrink/shrinking/H/b.txt")).toBe("b\n");
    await writeFile(join(dir, "one-part"), "");
    const summary = await process(["shrinking"], { force: true });
    expect(step(summary.steps, "shrinking", "split.parts").ran).toBe(1);
    expect(await text("split.parts", "shrink/shrinking/H/a.txt")).toBe("a\n");
    expect(await object("split.parts", "shrink/shrinking/H/b.txt")).toBeUndefined();
    const parts = await lake().dataset("processed:split.parts");
    expect(parts.objectCount).toBe(1);
    expect(await lake().store.head("processed/split.parts/shrink/shrinking/H/b.txt")).toBeUndefined();
  });

  it("runs commands on a public-metadata dataset's raw objects, one item per object", async () => {
    const raw = await lake().ensureDataset({ name: "geo-records", layer: "raw", source: "geo" });
    await lake().addObject(raw, { name: "soft/GSE1.soft", body: Buffer.from("^SERIES = GSE1\n!a\n!b\n") });
    calls.length = 0;
    const summary = await process(["geo-records"]);
    expect(summary.failed).toBe(false);
    expect(calls).toEqual(["parse geo-records"]);
    expect(step(summary.steps, "geo-records", "lines.count")).toMatchObject({ ran: 1, skipped: 0 });
    expect(await text("lines.count", "records/geo-records/soft/GSE1.soft/lines.txt")).toBe("3\n");
  });

  it("fails an item whose files are not in raw, saying to ingest them", async () => {
    const summary = await process(["uningested"]);
    const copy = step(summary.steps, "uningested", "bare.copy");
    expect(copy.failures).toHaveLength(1);
    expect(copy.failures[0]).toMatchObject({ item: "U", error: { code: "item_input_missing" } });
    expect((copy.failures[0]!.error as Error).message).toContain('"ingest"');
    expect(await lake().catalog.findDataset("uningested", "raw")).toBeUndefined();
  });

  it("keeps a failed item's previous outputs, records the exit code and stderr, and runs the other items", async () => {
    expect((await process(["flaky"])).failed).toBe(false);
    const before = await object("fragile.size", "fragile/flaky/F/size.txt");
    await writeFile(join(dir, "fail-F"), "");
    const summary = await process(["flaky"], { force: true });
    expect(summary.failed).toBe(true);
    const outcome = step(summary.steps, "flaky", "fragile.size");
    expect([outcome.ran, outcome.failed]).toEqual([2, 1]);
    expect(outcome.failures[0]).toMatchObject({ item: "F" });
    expect(outcome.failures[0]!.message).toMatch(/exited with 3: boom on F/);
    expect(await object("fragile.size", "fragile/flaky/F/size.txt")).toEqual(before);
    const failed = (await runsOf("command:fragile.size")).find((r) => r.status === "failed")!;
    expect(failed.parameters["item"]).toBe("F");
    expect(failed.error).toMatchObject({ code: "command_failed", details: { exitCode: 3 } });
    expect(failed.log).toContain("boom on F");

    // F's last success read what F holds now, and its outputs are still there: nothing to redo.
    await rm(join(dir, "fail-F"));
    const fixed = step((await process(["flaky"])).steps, "flaky", "fragile.size");
    expect([fixed.ran, fixed.skipped, fixed.failed]).toEqual([0, 3, 0]);
  });

  it("refuses a changed file under a name raw already holds, for that item only", async () => {
    await writeFile(tree("flaky", "G"), "changed content");
    const summary = await process(["flaky"]);
    const ingest = step(summary.steps, "flaky", "ingest");
    expect([ingest.ran, ingest.skipped, ingest.failed]).toEqual([0, 2, 1]);
    expect(ingest.failures[0]).toMatchObject({ item: "G", error: { code: "raw_conflict" } });
    expect((await object("flaky", "G"))?.sha256).toBe(sha("GGGGG"));
    const ingestRuns = await runsOf("ingest:flaky");
    expect(ingestRuns[0]).toMatchObject({ status: "failed", error: { code: "items_failed" } });
    await writeFile(tree("flaky", "G"), "GGGGG");
  });

  it("runs the lake-wide steps once, after the datasets, and checksums raw", async () => {
    calls.length = 0;
    const summary = await process(["feed", "reads"]);
    expect(summary.failed).toBe(false);
    expect(calls).toEqual(["consolidate", "snapshot", "load"]);
    expect(summary.steps.slice(-3).map((s) => [s.dataset, s.step])).toEqual([
      [undefined, "consolidate"],
      [undefined, "snapshot"],
      [undefined, "load"],
    ]);
    expect(step(summary.steps, "feed", "checksum").ran).toBe(1);
    const checksum = await runsOf("checksum:feed");
    expect(checksum[0]).toMatchObject({ status: "succeeded" });
    expect(checksum[0]!.inputs).toEqual([expect.objectContaining({ key: "raw/feed/f1.txt" })]);
  });

  it("fails the checksum step naming a raw object whose bytes changed in the store", async (context) => {
    const storage = opened().storage;
    // The bytes are damaged in place, which only a filesystem store allows.
    if (!storage.url.startsWith("file://")) context.skip();
    const path = join(storage.url.slice("file://".length), "raw", "feed", "f1.txt");
    await chmod(path, 0o600);
    await writeFile(path, "feed ONE\n");
    const summary = await process(["feed"]);
    const checksum = step(summary.steps, "feed", "checksum");
    expect(checksum.failed).toBe(1);
    expect(checksum.failures[0]).toMatchObject({ error: { code: "integrity_error" } });
    expect(checksum.failures[0]!.message).toContain("raw/feed/f1.txt");
    expect((await runsOf("checksum:feed"))[0]).toMatchObject({ status: "failed" });
  });

  it("cancels a running command: its run is cancelled, nothing it wrote is visible, its work dir is gone", async () => {
    const controller = new AbortController();
    const started = join(dir, "started-S");
    const pending = process(["sleepy"], { signal: controller.signal }).catch((error: unknown) => error);
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error("stop"));
    expect(await pending).toBeInstanceOf(CancelledError);
    const runs = await runsOf("command:slow.wait");
    expect(runs[0]).toMatchObject({ status: "cancelled" });
    expect(await object("slow.wait", "slow/sleepy/S/out.txt")).toBeUndefined();
    expect(existsSync(join(opened().root, "work", String(runs[0]!.id)))).toBe(false);
  });
});
