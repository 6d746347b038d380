import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, openLake, withDuckDb } from "@omicslake/core";
import { writeAccessionLinksParquet } from "@omicslake/metadata/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

interface LinksJson {
  data: { accession: string; type: string; links: { accession: string; depth: number; path: string[] }[] }[];
  missing: string[];
}

describe("omicslake links", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-links-"));
    expect((await runInProcess(dir, ["init"])).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("says to consolidate first when the lake has no links", async () => {
    const result = await runInProcess(dir, ["links", "GSE1"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no accession_links\.parquet.*omicslake consolidate/s);
  });

  it("resolves and converts accessions from the curated links", async () => {
    // A series with two samples, each with an experiment and a run, as consolidation would curate them.
    const files = {
      geo_series: join(dir, "geo_series.parquet"),
      geo_sample: join(dir, "geo_sample.parquet"),
      sra_run: join(dir, "sra_run.parquet"),
    };
    await withDuckDb({}, async (duck) => {
      await duck.run(
        `COPY (SELECT 'GSE1' AS accession, ['GSM1', 'GSM2'] AS sampleIds) TO '${files.geo_series}' (FORMAT parquet)`,
      );
      await duck.run(
        `COPY (SELECT * FROM (VALUES ('GSM1', ['SRX1']), ('GSM2', ['SRX2'])) t(accession, sraExperiments)) TO '${files.geo_sample}' (FORMAT parquet)`,
      );
      await duck.run(
        `COPY (SELECT * FROM (VALUES ('SRR1', 'SRX1'), ('SRR2', 'SRX2'), ('SRR3', 'SRX2')) t(accession, experimentAccession)) TO '${files.sra_run}' (FORMAT parquet)`,
      );
    });
    const links = await writeAccessionLinksParquet(dir, files);
    const env = { ...process.env };
    delete env["DATABASE_URL"];
    const lake = await openLake(await loadConfig({ cwd: dir, env }));
    try {
      const curated = await lake.ensureDataset({ name: "metadata", layer: "curated", source: "omicslake" });
      await lake.putObject(curated, { name: "accession_links.parquet", file: links });
    } finally {
      await lake.close();
    }

    const human = await runInProcess(dir, ["links", "gse1", "--to", "srr"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/GSE1\s+SRR1\s+srr\s+3\s+GSE1 > GSM1 > SRX1 > SRR1/);
    expect(human.stdout).toMatch(/GSE1\s+SRR3\s+srr\s+3\s+GSE1 > GSM2 > SRX2 > SRR3/);

    const json = await runInProcess(dir, ["links", "SRR3", "GSE404", "--to", "gse", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout) as LinksJson;
    expect(body.data.map((d) => [d.accession, d.links.map((l) => l.path.join(">"))])).toEqual([
      ["SRR3", ["SRR3>SRX2>GSM2>GSE1"]],
    ]);
    expect(body.missing).toEqual(["GSE404"]);

    const shallow = JSON.parse(
      (await runInProcess(dir, ["links", "GSE1", "--depth", "1", "--json"])).stdout,
    ) as LinksJson;
    expect(shallow.data[0]!.links.map((l) => l.accession)).toEqual(["GSM1", "GSM2"]);
  });

  it("refuses bad depths, types and accessions, and says when nothing is linked", async () => {
    const cases: [string[], RegExp][] = [
      [["links", "GSE1", "--depth", "0"], /depth must be a whole number from 1 to 6/],
      [["links", "GSE1", "--depth", "two"], /--depth must be a whole number/],
      [["links", "GSE1", "--to", "runs"], /unknown accession type "runs"/],
      [["links", "GSE1", "--to", "srr", "--type", "gsm"], /cannot be combined/],
      [["links", "GSE1'; DROP TABLE x"], /not an accession/],
      [["links", "SRR404"], /no link mentions "SRR404"/],
    ];
    for (const [args, message] of cases) {
      const result = await runInProcess(dir, args);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr, args.join(" ")).toMatch(message);
    }
  });
});
