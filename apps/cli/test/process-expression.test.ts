import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

const TENX = fileURLToPath(new URL("../../../../shared/fixtures/formats/10x_v3", import.meta.url));
const HAVE_FIXTURE = existsSync(join(TENX, "expected.json"));
if (!HAVE_FIXTURE) console.warn(`skipping the expression processing step: ${TENX} is absent`);

// The configured data model end to end: a lab tree holding a 10x folder, processed by ingest → convert →
// expression, then queried; the answer must be numpy's.
describe.skipIf(!HAVE_FIXTURE)("the expression processing step", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-process-expr-"));
    await mkdir(join(dir, "tree", "pbmc"), { recursive: true });
    for (const name of ["matrix.mtx.gz", "features.tsv.gz", "barcodes.tsv.gz"])
      await copyFile(join(TENX, name), join(dir, "tree", "pbmc", name));
    await writeFile(
      join(dir, "omicslake.toml"),
      `[lake]
root = ".omicslake"

[source.lab]
kind = "internal"
path = "tree"
layout = "files"

[processing.matrices]
steps = ["ingest", "convert", "expression"]

[role.expression]
run = ["matrices"]

[data.pbmc]
source = "lab"
role = "expression"
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("builds the store after the conversion, and a later run rebuilds it as a new version with the same choices", async () => {
    const first = await runInProcess(dir, ["process", "pbmc", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const steps = (JSON.parse(first.stdout) as { steps: { step: string; ran: number; failed: number }[] })
      .steps;
    expect(steps.map((s) => [s.step, s.failed])).toEqual([
      ["ingest", 0],
      ["convert", 0],
      ["expression", 0],
    ]);
    const expected = JSON.parse(await readFile(join(TENX, "expected.json"), "utf8")) as {
      pearson_all_cells_zeros_included: Record<string, number>;
    };
    const corr = await runInProcess(dir, ["expr", "corr", "pbmc", "GENE5", "GENE42", "--json"]);
    expect(corr.code).toBe(0);
    const answer = JSON.parse(corr.stdout) as { r: number; n: number };
    const want = expected.pearson_all_cells_zeros_included["GENE5|GENE42"]!;
    expect(Math.abs(answer.r - want) / Math.abs(want)).toBeLessThan(1e-9);
    expect(answer.n).toBe(500);

    // A build by hand picks the matrix; the next processing run rebuilds as a new version with the same choice.
    const byHand = await runInProcess(dir, ["expr", "build", "pbmc", "--matrix", "X", "--json"]);
    expect(byHand.code).toBe(0);
    expect((JSON.parse(byHand.stdout) as { manifest: { build: number } }).manifest.build).toBe(2);
    const again = await runInProcess(dir, ["process", "pbmc", "--json"]);
    expect(again.code).toBe(0);
    const shown = await runInProcess(dir, ["expr", "ls", "--json"]);
    const listed = JSON.parse(shown.stdout) as { data: { dataset: string; build: number }[] };
    expect(listed.data).toEqual([expect.objectContaining({ dataset: "pbmc", build: 3 })]);
  });

  it("lets omicslake query read the store's tables, and nothing else on the disk", async () => {
    const sums = await runInProcess(dir, [
      "query",
      "SELECT count(*) AS genes, sum(n_expressing) AS nonzeros, sum(sum) AS total FROM pbmc_genes",
      "--json",
    ]);
    expect(sums.stderr).toBe("");
    const expected = JSON.parse(await readFile(join(TENX, "expected.json"), "utf8")) as {
      nnz: number;
      sum: number;
    };
    const wire = JSON.parse(sums.stdout) as { columns: string[]; rows: unknown[][] };
    expect(wire.rows[0]!.map(Number)).toEqual([2000, expected.nnz, expected.sum]);
    const values = await runInProcess(dir, ["query", "SELECT count(*) FROM pbmc_values", "--json"]);
    expect(Number((JSON.parse(values.stdout) as { rows: unknown[][] }).rows[0]![0])).toBe(expected.nnz);
    const escape = await runInProcess(dir, [
      "query",
      `SELECT * FROM read_csv('${join(dir, "omicslake.toml")}')`,
    ]);
    expect(escape.code).not.toBe(0);
  });
});
