import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataConfig, SourceConfig } from "@omicslake/core";
import { ingestConfigured } from "../src/fetch/ingest-configured.js";
import { ingestDataset } from "../src/fetch/ingest-dataset.js";
import { geoSourceAdapter } from "../src/geo/geo-source-adapter.js";
import { FakeUpstream, NCBI_FIXTURES_MISSING, readFixture } from "@omicslake/core/testing";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { bytesOf, sha } from "./helpers/test-bytes.js";

const md5 = (data: Buffer | string): string => createHash("md5").update(data).digest("hex");

/**
 * A fetch that notes when each request starts, for checking the client's rate limit: a lower bound on the
 * spacing of starts holds however loaded the machine is, unlike arrival times at the server.
 */
function recordStarts(): { times: number[]; fetch: typeof fetch } {
  const times: number[] = [];
  return {
    times,
    fetch: (input, init) => {
      times.push(performance.now());
      return fetch(input, init);
    },
  };
}

const engine = lakeEngines()[0]!;
const skip = NCBI_FIXTURES_MISSING;

describe.skipIf(skip !== undefined)(
  `GEO, PubMed and BioSample adapters on ${engine.name}${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let opened: OpenedLake;
    let fake: FakeUpstream;
    const soft: Record<string, { self: Buffer; gsm?: Buffer }> = {};

    beforeAll(async () => {
      opened = await engine.open();
      fake = await FakeUpstream.start();
      soft["GSE146537"] = {
        self: await readFixture("geo_GSE146537_series_brief.soft"),
        gsm: await readFixture("geo_GSE146537_samples_brief.soft"),
      };
      soft["GSE138657"] = {
        self: await readFixture("geo_GSE138657_series_brief.soft"),
        gsm: await readFixture("geo_GSE138657_samples_brief.soft"),
      };
      soft["GPL20814"] = { self: await readFixture("geo_GPL20814_family.soft") };
      for (const [accession, record] of Object.entries(soft)) {
        fake.geo.set(accession, {
          self: record.self.toString("utf8"),
          ...(record.gsm ? { gsm: record.gsm.toString("utf8") } : {}),
        });
      }
      fake.esearch.set("GSE 2022/03", ["200146537", "200138657"]);
      fake.esearch.set("GPL 2022/03", ["100020814"]);
    });
    afterAll(async () => {
      await fake?.close();
      await opened?.dispose();
    });

    const geoSource = (extra: Partial<SourceConfig> = {}): SourceConfig => ({
      kind: "geo",
      url: fake.url("geo/"),
      email: "lab@example.org",
      ...extra,
      options: { eutils_url: fake.url("entrez/eutils/"), ...extra.options },
    });
    const accRequests = (from: number) =>
      fake.requests.slice(from).filter((r) => r.path === "geo/query/acc.cgi");
    const esearchRequests = (from: number) =>
      fake.requests.slice(from).filter((r) => r.path === "entrez/eutils/esearch.fcgi");

    it("fetches GEO records by accession as SOFT text, spaced by NCBI's default 3 requests/s", async () => {
      const from = fake.requests.length;
      const data: DataConfig = { source: "geo", role: "metadata", accessions: ["GSE146537", "GSE138657"] };
      const starts = recordStarts();
      const result = await ingestDataset(
        opened.lake,
        { name: "geo-acc", data, source: geoSource(), root: opened.root },
        { fetch: starts.fetch },
      );
      expect(result.fetched.map((f) => f.object.name).sort()).toEqual([
        "accessions/GSE138657.soft",
        "accessions/GSE146537.soft",
      ]);
      for (const file of result.fetched) {
        const accession = file.partition["accession"]!;
        const expected = Buffer.concat([soft[accession]!.self, soft[accession]!.gsm!]);
        expect(file.object.sha256).toBe(sha(expected));
        expect(await bytesOf(await opened.lake.readObject(file.object))).toEqual(expected);
      }
      const requests = accRequests(from);
      expect(requests.map((r) => Object.fromEntries(r.query))).toContainEqual({
        acc: "GSE146537",
        targ: "all",
        form: "text",
        view: "brief",
      });
      // Two requests at most 3/s start at least ~333 ms apart. Measured where the client starts them, not where
      // the server sees them arrive: a loaded machine can delay the first arrival and bring the two closer.
      expect(starts.times[1]! - starts.times[0]!).toBeGreaterThan(300);
      expect(result.dataset.source).toBe("geo");
    });

    it("finds GEO records by month of update through paged esearch, with tool, email and API key, within the rate limit", async () => {
      const from = fake.requests.length;
      const data: DataConfig = {
        source: "geo",
        role: "metadata",
        options: { months: ["2022-03"], entry_types: ["GSE", "GPL"], page_size: 1 },
      };
      const source = geoSource({ api_key: "SECRETKEY", requests_per_second: 5 });
      const starts = recordStarts();
      const result = await ingestDataset(
        opened.lake,
        { name: "geo-month", data, source, root: opened.root },
        { fetch: starts.fetch },
      );

      expect(result.fetched.map((f) => f.object.name).sort()).toEqual([
        "2022/03/GPL20814.soft",
        "2022/03/GSE138657.soft",
        "2022/03/GSE146537.soft",
      ]);
      expect(
        result.fetched.every((f) => f.partition["year"] === "2022" && f.partition["month"] === "03"),
      ).toBe(true);
      const gpl = result.fetched.find((f) => f.name === "2022/03/GPL20814.soft")!;
      expect(gpl.object.sha256).toBe(sha(soft["GPL20814"]!.self));

      const searches = esearchRequests(from);
      expect(searches).toHaveLength(3); // two pages of GSE (page_size 1), one of GPL
      for (const search of searches) {
        expect(search.query.get("db")).toBe("gds");
        expect(search.query.get("tool")).toBe("omicslake");
        expect(search.query.get("email")).toBe("lab@example.org");
        expect(search.query.get("api_key")).toBe("SECRETKEY");
        expect(search.query.get("usehistory")).toBe("y");
      }
      expect(searches[0]!.query.get("term")).toBe("GSE[ETYP] AND 2022/03/01:2022/03/31[MDAT]");
      expect(searches[1]!.query.get("retstart")).toBe("1");
      expect(searches[1]!.query.get("WebEnv")).toBe("MCID_fake_webenv");

      // 6 requests at 5/s start at least ~1 s apart from first to last (client-side start times).
      const all = fake.requests.slice(from);
      expect(all).toHaveLength(6);
      expect(starts.times).toHaveLength(6);
      expect(starts.times.at(-1)! - starts.times[0]!).toBeGreaterThan(5 * 200 * 0.9);
    });

    it("does not fetch a GEO record twice, and with refresh re-checks it by content", async () => {
      const data: DataConfig = {
        source: "geo",
        role: "metadata",
        options: { months: ["2022-03"], page_size: 10 },
      };
      const source = geoSource({ requests_per_second: 50 });
      const first = await ingestDataset(opened.lake, { name: "geo-again", data, source, root: opened.root });
      expect(first.fetched).toHaveLength(2);

      let from = fake.requests.length;
      const second = await ingestDataset(opened.lake, { name: "geo-again", data, source, root: opened.root });
      expect(second.fetched).toEqual([]);
      expect(second.skipped.map((s) => s.reason)).toEqual(["fetched-before", "fetched-before"]);
      expect(accRequests(from)).toEqual([]);
      expect(esearchRequests(from)).toHaveLength(1);

      from = fake.requests.length;
      const refreshed = await ingestDataset(
        opened.lake,
        { name: "geo-again", data, source, root: opened.root },
        { refresh: true },
      );
      expect(accRequests(from)).toHaveLength(2);
      expect(refreshed.fetched).toEqual([]);
      expect(refreshed.skipped.map((s) => s.reason)).toEqual(["same-content", "same-content"]);
    });

    it("uses 3 requests/s for GEO without an API key and 10 with one", () => {
      expect(geoSourceAdapter.defaultRequestsPerSecond({ kind: "geo" })).toBe(3);
      expect(geoSourceAdapter.defaultRequestsPerSecond({ kind: "geo", api_key: "k" })).toBe(10);
    });

    it("refuses a GEO dataset without accessions or months, and a malformed accession", async () => {
      const run = (data: DataConfig) =>
        ingestDataset(opened.lake, { name: "geo-bad", data, source: geoSource(), root: opened.root });
      await expect(run({ source: "geo", role: "metadata" })).rejects.toMatchObject({
        code: "invalid_source_config",
      });
      await expect(run({ source: "geo", role: "metadata", accessions: ["SRP178136"] })).rejects.toMatchObject(
        {
          code: "invalid_source_config",
          details: { accession: "SRP178136" },
        },
      );
      await expect(
        run({ source: "geo", role: "metadata", options: { months: ["2022-3"] } }),
      ).rejects.toMatchObject({ code: "invalid_source_config" });
    });

    it("verifies PubMed files against their .md5, naming the file that does not match", async () => {
      const one = fake.setFile(
        "pubmed/baseline/pubmed25n0001.xml.gz",
        gzipSync(await readFixture("pubmed_set_2articles_2025dtd.xml")),
      );
      fake.setFile("pubmed/baseline/pubmed25n0001.xml.gz.md5", `MD5(pubmed25n0001.xml.gz)= ${md5(one)}\n`);
      const two = fake.setFile(
        "pubmed/baseline/pubmed25n0002.xml.gz",
        gzipSync(await readFixture("pubmed_29768149.xml")),
      );
      fake.setFile(
        "pubmed/baseline/pubmed25n0002.xml.gz.md5",
        `MD5(pubmed25n0002.xml.gz)= ${md5("something else")}\n`,
      );
      const update = fake.setFile(
        "pubmed/updatefiles/pubmed25n1275.xml.gz",
        gzipSync(await readFixture("pubmed_26732976.xml")),
      );
      fake.setFile(
        "pubmed/updatefiles/pubmed25n1275.xml.gz.md5",
        `MD5(pubmed25n1275.xml.gz)= ${md5(update)}\n`,
      );
      fake.setFile("pubmed/baseline/README.txt", "not a data file");

      const data: DataConfig = { source: "pubmed", role: "literature" };
      const source: SourceConfig = { kind: "pubmed", url: fake.url("pubmed/") };
      const target = { name: "pubmed", data, source, root: opened.root };
      const error: unknown = await ingestDataset(opened.lake, target, { concurrency: 1 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        code: "upstream_checksum_mismatch",
        details: { file: "baseline/pubmed25n0002.xml.gz", expected: md5("something else"), actual: md5(two) },
      });
      expect((error as Error).message).toContain("baseline/pubmed25n0002.xml.gz");
      expect(
        await opened.lake.catalog.findObjectByKey("raw/pubmed/baseline/pubmed25n0002.xml.gz"),
      ).toBeUndefined();
      expect(
        (await opened.lake.catalog.findObjectByKey("raw/pubmed/baseline/pubmed25n0001.xml.gz"))?.sha256,
      ).toBe(sha(one));

      fake.setFile("pubmed/baseline/pubmed25n0002.xml.gz.md5", `MD5(pubmed25n0002.xml.gz)= ${md5(two)}\n`);
      const result = await ingestDataset(opened.lake, target, { concurrency: 1 });
      expect(result.fetched.map((f) => f.name)).toEqual([
        "baseline/pubmed25n0002.xml.gz",
        "updatefiles/pubmed25n1275.xml.gz",
      ]);
      expect(result.skipped.map((s) => [s.name, s.reason])).toEqual([
        ["baseline/pubmed25n0001.xml.gz", "not-modified"],
      ]);
      expect(result.fetched[1]!.partition).toEqual({ set: "updatefiles", file: "pubmed25n1275" });
      expect(result.fetched[1]!.object.sha256).toBe(sha(update));
      const records = await opened.lake.catalog.upstreamFiles.current(result.dataset.id);
      expect(records.map((r) => [r.name, r.md5])).toEqual([
        ["baseline/pubmed25n0001.xml.gz", md5(one)],
        ["baseline/pubmed25n0002.xml.gz", md5(two)],
        ["updatefiles/pubmed25n1275.xml.gz", md5(update)],
      ]);
    });

    it("narrows a dataset with include and exclude globs", async () => {
      const data: DataConfig = {
        source: "pubmed",
        role: "literature",
        include: ["baseline/*"],
        exclude: ["**/*0002.xml.gz"],
      };
      const source: SourceConfig = { kind: "pubmed", url: fake.url("pubmed/") };
      const result = await ingestDataset(opened.lake, {
        name: "pubmed-narrow",
        data,
        source,
        root: opened.root,
      });
      expect(result.fetched.map((f) => f.name)).toEqual(["baseline/pubmed25n0001.xml.gz"]);
    });

    it("fetches BioSample's and BioProject's dumps from configurable base URLs", async () => {
      const biosample = fake.setFile(
        "biosample/biosample_set.xml.gz",
        gzipSync(await readFixture("biosample_SAMN03502652_dbgap.xml")),
      );
      const bioproject = fake.setFile(
        "bioproject/bioproject.xml",
        await readFixture("bioproject_PRJNA350852_recordset.xml"),
      );
      const bs = await ingestDataset(opened.lake, {
        name: "biosample",
        data: { source: "biosample", role: "metadata" },
        source: { kind: "biosample", url: fake.url("biosample") },
        root: opened.root,
      });
      expect(bs.fetched.map((f) => [f.object.key, f.object.sha256])).toEqual([
        ["raw/biosample/biosample_set.xml.gz", sha(biosample)],
      ]);
      const bp = await ingestDataset(opened.lake, {
        name: "bioproject",
        data: { source: "bioproject", role: "metadata" },
        source: { kind: "bioproject", url: fake.url("bioproject/") },
        root: opened.root,
      });
      expect(bp.fetched.map((f) => [f.object.key, f.object.sha256])).toEqual([
        ["raw/bioproject/bioproject.xml", sha(bioproject)],
      ]);
      expect(bp.run.step).toBe("ingest:bioproject");
    });

    it("ingests the configured datasets that have a fetchable source, reporting a failing one in its place", async () => {
      const config = {
        root: opened.root,
        sources: {
          bp: { kind: "bioproject", url: fake.url("bioproject/") },
          gone: { kind: "biosample", url: fake.url("nowhere/") },
          local: { kind: "directory", path: "/data/runs" },
        } satisfies Record<string, SourceConfig>,
        datasets: {
          "cfg-bioproject": { source: "bp", role: "metadata" },
          "cfg-gone": { source: "gone", role: "metadata" },
          "cfg-local": { source: "local", role: "reads" },
        } satisfies Record<string, DataConfig>,
      };
      const outcomes = await ingestConfigured(opened.lake, config, [], { retry: { attempts: 1 } });
      expect(outcomes.map((o) => o.name)).toEqual(["cfg-bioproject", "cfg-gone"]);
      expect(outcomes[0]!.result?.fetched.map((f) => f.object.key)).toEqual([
        "raw/cfg-bioproject/bioproject.xml",
      ]);
      expect(outcomes[1]!.error).toMatchObject({ code: "upstream_failed", details: { status: 404 } });

      await expect(ingestConfigured(opened.lake, config, ["cfg-missing"])).rejects.toMatchObject({
        code: "invalid_source_config",
        details: { dataset: "cfg-missing" },
      });
      await expect(ingestConfigured(opened.lake, config, ["cfg-local"])).rejects.toMatchObject({
        code: "invalid_source_config",
        details: { kind: "directory" },
      });
    });
  },
);
