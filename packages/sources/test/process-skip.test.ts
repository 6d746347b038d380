import { appendFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseConfig, type Lake, type LakeConfig } from "@omicslake/core";
import { describeOnLakeEngines } from "@omicslake/core/testing";
import { addSourceKind } from "../src/kinds/source-kinds.js";
import {
  processDatasets,
  type ProcessHandlers,
  type StepOutcome,
} from "../src/processing/process-datasets.js";
import { TEST_TREE_KIND } from "./helpers/test-tree-kind.js";

addSourceKind(TEST_TREE_KIND);

const handlers: ProcessHandlers = {
  parseMetadata: async () => undefined,
  convert: async () => undefined,
  expression: async () => undefined,
  consolidate: async () => undefined,
  snapshot: async () => undefined,
  load: async () => undefined,
};

function configText(role: string): string {
  return `
[source.tree]
kind = "test-tree"
path = "tree"
[role.${role}]
run = ["qc"]
[processing.qc]
steps = ["ingest", { name = "where", command = "echo {subdir} > {output}", output = "where.txt" }]
[data.reads]
source = "tree"
role = "${role}"
`;
}

describeOnLakeEngines("processDatasets skips only what is unchanged", (opened) => {
  let dir: string;
  const lake = (): Lake => opened().lake;
  const configOf = (role: string): LakeConfig => ({
    ...parseConfig(configText(role), { baseDir: dir, env: {} }),
    root: opened().root,
  });
  const outcome = (steps: readonly StepOutcome[], name: string): StepOutcome =>
    steps.find((s) => s.step === name)!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-skip-"));
    await mkdir(join(dir, "tree", "reads"), { recursive: true });
    await writeFile(join(dir, "tree", "reads", "A"), "AAAA\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("notices a file rewritten with the same size and its old mtime put back", async () => {
    const config = configOf("seq");
    const path = join(dir, "tree", "reads", "A");
    // A whole second, as touch -d sets it: utimes could not put back a finer mtime exactly.
    const then = new Date("2024-01-02T03:04:05Z");
    await utimes(path, then, then);
    expect((await processDatasets(lake(), config, { names: ["reads"], handlers })).failed).toBe(false);
    await writeFile(path, "BBBB\n");
    await utimes(path, then, then);
    const summary = await processDatasets(lake(), config, { names: ["reads"], handlers });
    const ingest = outcome(summary.steps, "ingest");
    expect(ingest.failures[0]).toMatchObject({ item: "A", error: { code: "raw_conflict" } });
    await writeFile(path, "AAAA\n");
    await utimes(path, then, then);
  });

  it("fails, and keeps out of raw, a file that grew while it was being ingested; the next run takes it whole", async () => {
    const config = configOf("seq");
    const path = join(dir, "tree", "reads", "G");
    await writeFile(path, "GG\n");
    // A writer still appending: more bytes land after the file was listed, before the lake reads it.
    const real = lake();
    const appending = new Proxy(real, {
      get(target, property) {
        if (property === "addObject") {
          return async (...args: Parameters<Lake["addObject"]>) => {
            if (JSON.stringify(args[1]).includes(path)) await appendFile(path, "more\n");
            return target.addObject(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const summary = await processDatasets(appending, config, { names: ["reads"], handlers });
    const ingest = outcome(summary.steps, "ingest");
    expect(ingest.failures).toHaveLength(1);
    expect(ingest.failures[0]!.item).toBe("G");
    expect(ingest.failures[0]!.message).toContain("changed while it was being ingested");
    const raw = await real.dataset("raw:reads");
    expect(await real.catalog.findObjectByKey(real.objectKey(raw, "G"))).toBeUndefined();
    const again = await processDatasets(real, config, { names: ["reads"], handlers });
    expect(outcome(again.steps, "ingest")).toMatchObject({ ran: 1, failed: 0 });
    const object = await real.catalog.findObjectByKey(real.objectKey(raw, "G"));
    expect(object?.size).toBe("GG\nmore\n".length);
    await rm(path);
  });

  it("names a file that disappeared between the listing and the ingest, and ingests the others", async () => {
    const config = configOf("seq");
    const path = join(dir, "tree", "reads", "V");
    await writeFile(path, "vanishing\n");
    const real = lake();
    // The ingest run starts after the tree was listed: the file goes just then.
    const vanishing = new Proxy(real, {
      get(target, property) {
        if (property === "withRun") {
          return async (...args: Parameters<Lake["withRun"]>) => {
            if (String(args[0]).startsWith("ingest:")) await rm(path, { force: true });
            return target.withRun(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const summary = await processDatasets(vanishing, config, { names: ["reads"], handlers });
    const ingest = outcome(summary.steps, "ingest");
    expect(ingest.failures).toHaveLength(1);
    expect(ingest.failures[0]).toMatchObject({ item: "V", error: { code: "item_input_missing" } });
    expect(ingest.failures[0]!.message).toContain(`${path} disappeared after the tree was listed`);
  });

  it("reruns an item whose placeholders changed though its command and inputs did not", async () => {
    const moved = configOf("moved");
    const summary = await processDatasets(lake(), moved, { names: ["reads"], handlers });
    expect(outcome(summary.steps, "qc.where")).toMatchObject({ ran: 1, skipped: 0, failed: 0 });
    const target = await lake().dataset("processed:qc.where");
    const object = await lake().catalog.findObjectByKey(lake().objectKey(target, "moved/reads/A/where.txt"));
    expect(object).toBeDefined();
    const old = await lake().catalog.findObjectByKey(lake().objectKey(target, "seq/reads/A/where.txt"));
    expect(old).toBeUndefined();
    expect(await readFile(join(dir, "tree", "reads", "A"), "utf8")).toBe("AAAA\n");
  });
});
