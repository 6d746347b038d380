import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDuckDb, sqlString, type DuckDbSession } from "../duckdb-session.js";
import { buildAccessionLinks } from "./build-accession-links.js";

describe("buildAccessionLinks", () => {
  let work: string;
  let duck: DuckDbSession;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), "omicslake-links-test-"));
    duck = await openDuckDb(work);
  });
  afterEach(async () => {
    duck.close();
    await rm(work, { recursive: true, force: true });
  });

  const linksOf = async (file: string): Promise<string[]> =>
    (await duck.rows(`SELECT * FROM read_parquet(${sqlString(file)})`)).map(
      (r) =>
        `${String(r["from_accession"])}:${String(r["from_type"])} ${String(r["to_accession"])}:${String(r["to_type"])} ${String(r["relation"])} ${String(r["source"])}`,
    );

  it("links both ways, once per relation with every source, sorted, keeping only values of the declared type", async () => {
    // Two fields give the same GSE↔GSM link; one sample names its series in lower case and padded; a
    // series lists a free-text value and a GSM where a GSE belongs.
    await duck.run(
      `CREATE TABLE geo_series AS SELECT * FROM (VALUES ('GSE2', ['GSM1', 'not an accession', ''], ['GSM7']::VARCHAR[], [111, NULL]::BIGINT[])) t(accession, sampleIds, sraStudies, pubmedIds)`,
    );
    await duck.run(
      `CREATE TABLE geo_sample AS SELECT * FROM (VALUES ('GSM1', [' gse2 ', 'GSE2'], 'GPL5'), ('GSM3', ['GSE2'], NULL)) t(accession, seriesIds, platformId)`,
    );
    const file = join(work, "links.parquet");
    const build = await buildAccessionLinks(duck, file);
    expect(await linksOf(file)).toEqual([
      "111:pmid GSE2:gse pmid_gse geo_series.pubmedIds",
      "GPL5:gpl GSM1:gsm gpl_gsm geo_sample.platformId",
      "GSE2:gse 111:pmid pmid_gse geo_series.pubmedIds",
      "GSE2:gse GSM1:gsm gse_gsm geo_sample.seriesIds,geo_series.sampleIds",
      "GSE2:gse GSM3:gsm gse_gsm geo_sample.seriesIds",
      "GSM1:gsm GPL5:gpl gpl_gsm geo_sample.platformId",
      "GSM1:gsm GSE2:gse gse_gsm geo_sample.seriesIds,geo_series.sampleIds",
      "GSM3:gsm GSE2:gse gse_gsm geo_sample.seriesIds",
    ]);
    expect(build.rows).toBe(8);
    expect(build.applied).toContain("gse_gsm (geo_series.sampleIds)");
    expect(build.applied).toContain("gse_srp (geo_series.sraStudies)");
  });

  it("skips the rules of absent tables and columns, and applies them once the tables exist", async () => {
    await duck.run(`CREATE TABLE sra_run AS SELECT 'SRR1' AS accession, 'SRX1' AS experimentAccession`);
    const first = join(work, "first.parquet");
    const without = await buildAccessionLinks(duck, first);
    expect(await linksOf(first)).toEqual([
      "SRR1:srr SRX1:srx srx_srr sra_run.experimentAccession",
      "SRX1:srx SRR1:srr srx_srr sra_run.experimentAccession",
    ]);
    const reasons = new Map(without.skipped.map((s) => [s.rule, s.reason]));
    expect(reasons.get("srp_srr (sra_run.studyAccession)")).toBe("column sra_run.studyAccession is absent");
    expect(reasons.get("gds_gse (geo_dataset.referenceSeries)")).toBe("table geo_dataset is absent");
    expect(reasons.get("sra_srr (sra_run.submissionAccession)")).toMatch(
      /sra_run.submissionAccession is absent/,
    );

    // GEO DataSets and subsets, curated by a later release: their rules run with no other change.
    await duck.run(
      `CREATE TABLE geo_dataset AS SELECT 'GDS5' AS accession, ['GSE2'] AS referenceSeries, 'GPL5' AS platform, [7]::BIGINT[] AS pubmedIds`,
    );
    await duck.run(
      `CREATE TABLE geo_subset AS SELECT 'GDS5_1' AS accession, 'GDS5' AS datasetId, ['GSM1'] AS sampleIds`,
    );
    const second = join(work, "second.parquet");
    const withGds = await buildAccessionLinks(duck, second);
    expect(withGds.skipped.some((s) => s.rule.includes("geo_dataset") || s.rule.includes("geo_subset"))).toBe(
      false,
    );
    expect((await linksOf(second)).filter((l) => l.startsWith("GDS5"))).toEqual([
      "GDS5:gds 7:pmid pmid_gds geo_dataset.pubmedIds",
      "GDS5:gds GPL5:gpl gds_gpl geo_dataset.platform",
      "GDS5:gds GSE2:gse gds_gse geo_dataset.referenceSeries",
      "GDS5:gds GSM1:gsm gds_gsm geo_subset.sampleIds",
    ]);

    // SRA_Accessions.tab rows: each rule keeps the rows whose accession is of its type, so a RUN row links
    // the run to its experiment, sample, study and submission, and a STUDY row its project.
    await duck.run(
      `CREATE TABLE sra_accessions AS SELECT * FROM (VALUES
        ('SRR7', 'SRX7', 'SRS7', 'SRP7', 'SRA7', NULL, NULL),
        ('SRP7', NULL, NULL, NULL, 'SRA7', NULL, 'PRJNA7')) t(accession, experiment, sample, study, submission, biosample, bioproject)`,
    );
    const third = join(work, "third.parquet");
    await buildAccessionLinks(duck, third);
    expect(
      (await linksOf(third)).filter((l) => l.includes("sra_accessions") && /^(SRR7|SRP7)/.test(l)),
    ).toEqual([
      "SRP7:srp PRJNA7:bioproject bioproject_srp sra_accessions.bioproject",
      "SRP7:srp SRA7:sra sra_srp sra_accessions.submission",
      "SRP7:srp SRR7:srr srp_srr sra_accessions.study",
      "SRR7:srr SRA7:sra sra_srr sra_accessions.submission",
      "SRR7:srr SRP7:srp srp_srr sra_accessions.study",
      "SRR7:srr SRS7:srs srs_srr sra_accessions.sample",
      "SRR7:srr SRX7:srx srx_srr sra_accessions.experiment",
    ]);
  });

  it("writes an empty, typed table when no rule applies", async () => {
    const file = join(work, "empty.parquet");
    const build = await buildAccessionLinks(duck, file);
    expect(build.rows).toBe(0);
    expect(build.applied).toEqual([]);
    const columns = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    expect(columns.map((c) => `${String(c["column_name"])} ${String(c["column_type"])}`)).toEqual([
      "from_accession VARCHAR",
      "from_type VARCHAR",
      "to_accession VARCHAR",
      "to_type VARCHAR",
      "relation VARCHAR",
      "source VARCHAR",
    ]);
  });
});
