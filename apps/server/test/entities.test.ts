import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAccessionLinks, loadServing } from "@omicslake/metadata";
import {
  ENTITIES_WITHOUT_SHARED_FIXTURE,
  HAVE_NCBI_FIXTURES,
  NO_FIXTURES_REASON,
  writeAccessionLinksParquet,
  writeServingParquet,
} from "@omicslake/metadata/testing";
import type { ServingFixtureFiles } from "@omicslake/metadata/testing";
import { buildServer } from "../src/app.js";
import type { EntityFilter } from "@omicslake/metadata";
import { ENTITY_CHILD_ROUTES, ENTITY_ROUTE_SPECS } from "../src/routes/entities/entity-routes.js";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

interface Page {
  data: { accession: string; kind: string; title?: string }[];
  meta: { count: number; next_cursor: string | null };
  links: { self: string; next: string | null };
}
interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

const GENERATED = 12;
// Generated accessions are the prefix, a 9 and six digits (PubMed: 9000xxxx); the rest come from the real fixtures.
const GENERATED_SQL = `(accession ~ '^[A-Z]+9[0-9]{6}(_[0-9]+)?$' OR accession ~ '^9000[0-9]{4}$')`;

/** A value of the filter's column in some loaded row, fixture rows first, as the query parameter would give it. */
async function sampleValue(
  lake: TestLake["lake"],
  entity: string,
  filter: EntityFilter,
): Promise<{ accession: string; value: string } | null> {
  const array = filter.kind.endsWith("in_array");
  const present = array ? `cardinality(${filter.column}) > 0` : `${filter.column} IS NOT NULL`;
  // A timestamp column is filtered by UTC day, so its parameter is the day.
  const valueSql = array
    ? `((${filter.column})[1])::text`
    : filter.columnType === "timestamptz"
      ? `to_char(${filter.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
      : `${filter.column}::text`;
  const { rows } = await lake
    .servingClient()
    .query<{ accession: string; value: string }>(
      `SELECT accession, ${valueSql} AS value FROM ${entity} WHERE ${present} ORDER BY ${GENERATED_SQL}, accession LIMIT 1`,
    );
  return rows[0] ?? null;
}

async function allPages(app: FastifyInstance, first: string): Promise<string[]> {
  const seen: string[] = [];
  let url: string | null = first;
  while (url) {
    const res: Awaited<ReturnType<FastifyInstance["inject"]>> = await app.inject({ url });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
    const page: Page = res.json<Page>();
    seen.push(...page.data.map((d) => d.accession));
    url = page.links.next;
  }
  return seen;
}

describe.skipIf(!HAVE_NCBI_FIXTURES)(
  `entity REST API${HAVE_NCBI_FIXTURES ? "" : ` — skipped: ${NO_FIXTURES_REASON}`}`,
  () => {
    for (const { engine, skip } of testEngines()) {
      describe.skipIf(skip !== null)(`${engine}${skip ? ` — skipped: ${skip}` : ""}`, () => {
        let test: TestLake;
        let app: FastifyInstance;
        let fixtures: ServingFixtureFiles;

        beforeAll(async () => {
          test = await openTestLake(engine);
          const dir = join(test.root, "curated");
          await mkdir(dir);
          fixtures = await writeServingParquet(dir, { generated: GENERATED, variant: "v1" });
          await loadServing(test.lake, { curatedDir: dir });
          await loadAccessionLinks(
            test.lake.servingClient(),
            await writeAccessionLinksParquet(dir, fixtures.files),
          );
          app = await buildServer({ lake: test.lake, rateLimit: 0 });
        });
        afterAll(async () => {
          await app?.close();
          await test?.close();
        });

        it("resolves accession links one at a time and in batches, converting gse-to-srr", async () => {
          interface Linked {
            accession: string;
            type: string;
            depth: number;
            relation: string;
            source: string;
            path: string[];
          }
          interface Links {
            data: { accession: string; type: string; links: Linked[] };
            meta: { count: number; depth: number };
          }
          const one = await app.inject({ url: "/v1/links/gse9000001?depth=3&type=srr,gsm" });
          expect(one.statusCode, one.body).toBe(200);
          const body = one.json<Links>();
          expect(body.data).toMatchObject({ accession: "GSE9000001", type: "gse" });
          expect(
            body.data.links.map((l) => `${l.depth} ${l.type} ${l.accession} ${l.path.join(">")}`),
          ).toEqual([
            "1 gsm GSM9000001 GSE9000001>GSM9000001",
            "2 srr SRR9000001 GSE9000001>SRP9000001>SRR9000001",
          ]);
          expect(body.meta).toEqual({ count: 2, depth: 3 });
          // The real fixtures: the series' runs, as the served SRA tables list them through its study.
          const { rows } = await test.lake.servingClient().query<{ accession: string }>(
            `SELECT r.accession FROM sra_run r JOIN sra_study s ON s.accession = r.record->>'studyAccession'
                WHERE s.record->>'geoAccession' = 'GSE146256' ORDER BY r.accession`,
          );
          expect(rows.length).toBeGreaterThan(5);
          const batch = await app.inject({
            method: "POST",
            url: "/v1/links?to=srr",
            payload: { accessions: ["GSE146256", "GSE9000002", "SRR404", "GSE9000002"] },
          });
          expect(batch.statusCode, batch.body).toBe(200);
          const converted = batch.json<{
            data: { accession: string; links: Linked[] }[];
            meta: { count: number; missing: string[] };
          }>();
          expect(converted.data.map((d) => [d.accession, d.links.map((l) => l.accession)])).toEqual([
            ["GSE146256", rows.map((r) => r.accession)],
            ["GSE9000002", ["SRR9000002"]],
          ]);
          expect(converted.meta).toMatchObject({ count: 2, missing: ["SRR404"] });
        });

        it("answers hostile link requests with the error shape, never a 500", async () => {
          const expectError = async (request: InjectOptions, status: number, code: string): Promise<void> => {
            const res = await app.inject(request);
            const label = JSON.stringify(request).slice(0, 200);
            expect(res.statusCode, label).toBe(status);
            expect(res.json<ErrorBody>().error.code, label).toBe(code);
          };
          await expectError({ url: "/v1/links/SRR404" }, 404, "not_found");
          for (const accession of [
            "' OR 1=1 --",
            "GSE1;DROP TABLE accession_links",
            "ＧＳＥ１",
            "😀",
            "%00GSE1",
          ])
            await expectError(
              { url: `/v1/links/${encodeURIComponent(accession)}` },
              400,
              "invalid_accession",
            );
          for (const depth of ["0", "7", "1e9", "99999999999999999999", "-1", "two"])
            await expectError({ url: `/v1/links/GSE9000001?depth=${depth}` }, 400, "validation_error");
          await expectError({ url: "/v1/links/GSE9000001?type=srr,bogus" }, 400, "invalid_input");
          await expectError({ url: "/v1/links/GSE9000001?to=srr&type=gsm" }, 400, "invalid_input");
          await expectError(
            { url: `/v1/links/GSE9000001?type=${"srr,".repeat(100)}` },
            400,
            "validation_error",
          );
          const many = Array.from({ length: 10_000 }, (_, i) => `SRR${i}`);
          await expectError(
            { method: "POST", url: "/v1/links", payload: { accessions: many } },
            400,
            "validation_error",
          );
          await expectError(
            { method: "POST", url: "/v1/links", payload: { accessions: [] } },
            400,
            "validation_error",
          );
          await expectError(
            { method: "POST", url: "/v1/links", payload: { accessions: ["GSE9000001", "x' OR '1'='1"] } },
            400,
            "invalid_accession",
          );
          // 1,000 accessions of known kinds, most unknown to the table: one answer, the absent ones listed.
          const thousand = Array.from({ length: 999 }, (_, i) => `SRR${8_000_000 + i}`).concat("GSE9000003");
          const res = await app.inject({
            method: "POST",
            url: "/v1/links?depth=6",
            payload: { accessions: thousand },
          });
          expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
          const body = res.json<{ data: { accession: string }[]; meta: { missing: string[] } }>();
          expect(body.data.map((d) => d.accession)).toEqual(["GSE9000003"]);
          expect(body.meta.missing).toHaveLength(999);
        });

        it("returns one record by accession, and a 404 in the error shape for an unknown one", async () => {
          for (const spec of ENTITY_ROUTE_SPECS) {
            const { rows } = await test.lake
              .servingClient()
              .query<{ accession: string }>(
                `SELECT accession FROM ${spec.entity} ORDER BY ${GENERATED_SQL}, accession LIMIT 1`,
              );
            const accession = rows[0]!.accession;
            const res = await app.inject({ url: `${spec.path}/${encodeURIComponent(accession)}` });
            expect(res.statusCode, spec.path).toBe(200);
            expect(res.headers["content-type"]).toMatch(/^application\/json/);
            expect(res.json()).toMatchObject({ kind: spec.entity, accession });
            const missing = await app.inject({ url: `${spec.path}/NOPE0000` });
            expect(missing.statusCode).toBe(404);
            expect(missing.json<ErrorBody>().error).toMatchObject({
              code: "not_found",
              details: { id: "NOPE0000" },
            });
          }
        });

        it("has data behind every filter of every entity, and the filter returns it", async () => {
          const unfilledByFixtures: string[] = [];
          for (const spec of ENTITY_ROUTE_SPECS) {
            for (const filter of spec.filters) {
              const sample = await sampleValue(test.lake, spec.entity, filter);
              expect(
                sample,
                `${spec.entity}.${filter.column} (${filter.param}) is never filled`,
              ).not.toBeNull();
              if (
                /^[A-Z]+9[0-9]{6}(_[0-9]+)?$|^9000[0-9]{4}$/.test(sample!.accession) &&
                // No shared fixture holds a GDS file yet: only generated rows fill these entities' filters.
                !ENTITIES_WITHOUT_SHARED_FIXTURE.has(spec.entity)
              )
                unfilledByFixtures.push(`${spec.path}?${filter.param}`);
              const params = new URLSearchParams({ [filter.param]: sample!.value, limit: "500" });
              const ids = await allPages(app, `${spec.path}?${params.toString()}`);
              expect(ids, `${spec.path}?${params.toString()}`).toContain(sample!.accession);
            }
          }
          // Filters that only the generated rows exercise: upstream fields the fixture files happen not to carry.
          expect(unfilledByFixtures).toEqual([]);
        });

        it("narrows case-insensitively, combines filters and excludes rows that do not match", async () => {
          const human = await allPages(app, "/v1/sra/samples?organism=HOMO%20SAPIENS&limit=500");
          const mouse = await allPages(app, "/v1/sra/samples?organism=mus%20musculus&limit=500");
          expect(mouse.length).toBeGreaterThan(0);
          expect(human.filter((a) => mouse.includes(a))).toEqual([]);
          const both = await allPages(
            app,
            "/v1/sra/experiments?library_strategy=rna-seq&library_layout=paired&limit=500",
          );
          const strategy = await allPages(app, "/v1/sra/experiments?library_strategy=rna-seq&limit=500");
          expect(both.length).toBeGreaterThan(0);
          expect(both.length).toBeLessThan(strategy.length);
          const dated = await allPages(
            app,
            "/v1/geo/series?submitted_from=2021-01-01&submitted_to=2021-12-31&limit=500",
          );
          expect(dated.length).toBeGreaterThan(0);
          expect(dated.every((a) => a.startsWith("GSE9"))).toBe(true);
          const bad = await app.inject({ url: "/v1/geo/series?submitted_from=yesterday" });
          expect(bad.statusCode).toBe(400);
          expect(bad.json<ErrorBody>().error.code).toBe("validation_error");
        });

        it("serves counts as whole numbers and dates as ISO 8601, and filters on them by value and day", async () => {
          // SRR5026356: 16,750,052,600 bases and an 8.6 GB file, published 2017-11-15 00:01:15 (UTC).
          const res = await app.inject({ url: "/v1/sra/runs/SRR5026356" });
          expect(res.statusCode).toBe(200);
          expect(res.body).toMatch(/"totalBases": ?16750052600[,}]/);
          expect(res.body).toMatch(/"size": ?8622020036[,}]/);
          expect(res.body).not.toMatch(/"(totalSpots|totalBases|size|nreads)": ?-?[0-9]+\.[0-9]/);
          expect(res.json()).toMatchObject({
            totalSpots: 335001052,
            totalBases: 16750052600,
            published: "2017-11-15T00:01:15Z",
          });
          const series = await app.inject({ url: "/v1/geo/series/GSE146537" });
          expect(series.json()).toMatchObject({ lastUpdateDate: "2022-03-25" });
          const sample = await app.inject({ url: "/v1/biosamples/SAMN02981965" });
          expect(sample.json()).toMatchObject({ lastUpdate: "2015-12-22T01:19:06.303Z" });

          const runs = (query: string): Promise<string[]> => allPages(app, `/v1/sra/runs?${query}&limit=500`);
          // Bounds past 2^31 on a bigint column, inclusive on both sides.
          expect(await runs("min_bases=16750052600")).toContain("SRR5026356");
          expect(await runs("min_bases=16750052601")).not.toContain("SRR5026356");
          expect(await runs("max_bases=16750052599")).not.toContain("SRR5026356");
          const between = await runs("min_bases=10000000000&max_bases=16750052600");
          expect(between).toContain("SRR5026356");
          expect(between.every((a) => !a.startsWith("SRR9"))).toBe(true);
          // A timestamp filtered by day: the day of `published_to` is included whole.
          const day = await runs("published_from=2017-11-15&published_to=2017-11-15");
          expect(day).toContain("SRR5026356");
          for (const accession of day) {
            const run = (await app.inject({ url: `/v1/sra/runs/${accession}` })).json<{
              published: string;
            }>();
            expect(run.published, accession).toMatch(/^2017-11-15T/);
          }
          expect(await runs("published_to=2017-11-14")).not.toContain("SRR5026356");
          expect(await runs("published_from=2017-11-16")).not.toContain("SRR5026356");
          const tooBig = await app.inject({ url: "/v1/sra/runs?min_bases=9007199254740992" });
          expect(tooBig.statusCode).toBe(400);
        });

        it("serves SRA_Accessions.tab rows and each SRA object's status, visibility and update, filterable", async () => {
          const row = (await app.inject({ url: "/v1/sra/accessions/SRR5100239" })).json<
            Record<string, unknown>
          >();
          expect(row).toMatchObject({
            kind: "sra_accessions",
            submission: "SRA502713",
            type: "RUN",
            status: "live",
            visibility: "public",
            experiment: "SRX2416970",
            spots: 25818690,
            bases: 2581869000,
          });
          // Counts whole, times ISO 8601 in UTC, as every entity serves them.
          const body = (await app.inject({ url: "/v1/sra/accessions/SRR5100239" })).body;
          expect(body).toMatch(/"bases": ?2581869000[,}]/);
          expect(body).toMatch(/"updated": ?"2016-12-14T16:12:25Z"/);
          expect(body).not.toMatch(/"(spots|bases|loaded)": ?-?[0-9]+\.[0-9]/);
          const run = (await app.inject({ url: "/v1/sra/runs/SRR5100239" })).json<Record<string, unknown>>();
          expect(run).toMatchObject({
            status: "live",
            visibility: "public",
            updated: "2016-12-14T16:12:25Z",
          });
          // `updated` is a timestamp filtered by whole UTC days, on the rows and on every SRA object.
          const updatedOn = (path: string, from: string, to: string): Promise<string[]> =>
            allPages(app, `${path}?updated_from=${from}&updated_to=${to}&limit=500`);
          expect(await updatedOn("/v1/sra/accessions", "2016-12-14", "2016-12-14")).toContain("SRR5100239");
          expect(await updatedOn("/v1/sra/runs", "2016-12-14", "2016-12-14")).toContain("SRR5100239");
          expect(await updatedOn("/v1/sra/runs", "2016-12-15", "2030-01-01")).not.toContain("SRR5100239");
          expect(await updatedOn("/v1/sra/runs", "2000-01-01", "2016-12-13")).not.toContain("SRR5100239");
          const suppressed = await allPages(app, "/v1/sra/runs?status=SUPPRESSED&limit=500");
          expect(suppressed).toContain("SRR9000004");
          expect(suppressed).not.toContain("SRR9000001");
          expect(suppressed).not.toContain("SRR5100239");
          const live = await allPages(app, "/v1/sra/studies?status=live&visibility=public&limit=500");
          expect(live).toEqual(expect.arrayContaining(["SRP094985", "SRP9000001"]));
          expect(live).not.toContain("SRP9000004");
          const controlled = await allPages(app, "/v1/sra/accessions?type=run&visibility=controlled_access");
          expect(controlled).toEqual(["SRR11217925"]);
          const replaced = await allPages(app, "/v1/sra/accessions?replaced_by=SRR8426398");
          expect(replaced).toEqual(["SRR8426357"]);
          // A real submission lists its real run and study (the package names the one, the file the other).
          expect(await allPages(app, "/v1/sra/submissions/SRA502713/runs")).toEqual(["SRR5100239"]);
          expect(await allPages(app, "/v1/sra/submissions/SRA502713/studies")).toEqual(["SRP094985"]);
        });

        it("pages in accession order with an opaque cursor, refusing a cursor it did not issue", async () => {
          const ids = await allPages(app, "/v1/sra/runs?limit=7");
          expect(ids.length).toBe(fixtures.counts.sra_run);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
          const first = (await app.inject({ url: "/v1/sra/runs?limit=2" })).json<Page>();
          expect(first.meta.count).toBe(2);
          expect(first.meta.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
          for (const cursor of ["not*base64", "e30", first.meta.next_cursor!.slice(0, -3)]) {
            const res = await app.inject({ url: `/v1/sra/runs?cursor=${encodeURIComponent(cursor)}` });
            expect(res.statusCode, cursor).toBe(400);
            expect(res.json<ErrorBody>().error.code).toBe("invalid_cursor");
          }
          // A cursor of another entity's list is refused too.
          const other = await app.inject({ url: `/v1/sra/studies?cursor=${first.meta.next_cursor}` });
          expect(other.json<ErrorBody>().error.code).toBe("invalid_cursor");
          expect((await app.inject({ url: "/v1/sra/runs?limit=501" })).statusCode).toBe(400);
          expect((await app.inject({ url: "/v1/sra/runs?limit=500" })).statusCode).toBe(200);
        });

        it("searches titles and abstracts with q=", async () => {
          const liver = (
            await app.inject({ url: "/v1/pubmed?q=liver%20transcriptomes&limit=500" })
          ).json<Page>();
          expect(liver.data.length).toBe(GENERATED);
          const notMouse = (
            await app.inject({ url: "/v1/pubmed?q=liver%20-musculus&limit=500" })
          ).json<Page>();
          expect(notMouse.data.length).toBeGreaterThan(0);
          expect(notMouse.data.length).toBeLessThan(GENERATED);
          const real = (await app.inject({ url: "/v1/sra/studies?q=parasitoid&limit=500" })).json<Page>();
          expect(real.data.length).toBeGreaterThan(0);
          expect(real.data.every((d) => /parasitoid/i.test(JSON.stringify(d)))).toBe(true);
        });

        it("lists the children of a parent, and 404s for an unknown parent", async () => {
          const expected: Record<string, string> = {
            samples: "SRS9000001",
            experiments: "SRX9000001",
            runs: "SRR9000001",
            platforms: "GPL9000001",
            datasets: "GDS9000001",
            subsets: "GDS9000001_1",
            biosamples: "SAMN9000001",
            "sra-studies": "SRP9000001",
            studies: "SRP9000001",
          };
          const parents: Record<string, string> = {
            sra_study: "SRP9000001",
            sra_experiment: "SRX9000001",
            sra_sample: "SRS9000001",
            geo_series: "GSE9000001",
            geo_sample: "GSM9000001",
            geo_platform: "GPL9000001",
            geo_dataset: "GDS9000001",
            bioproject: "PRJNA9000001",
            sra_submission: "SRA9000001",
          };
          // SRA_Accessions.tab files every object of generated study 1 under submission SRA9000001.
          const submitted = ["SRA9000001", "SRP9000001", "SRR9000001", "SRS9000001", "SRX9000001"];
          for (const route of ENTITY_CHILD_ROUTES) {
            const parent = parents[route.parent.entity]!;
            const want =
              route.segment === "accessions"
                ? submitted
                : [route.child.entity === "geo_sample" ? "GSM9000001" : expected[route.segment]!];
            const url = `${route.parent.path}/${parent}/${route.segment}`;
            const ids = await allPages(app, url);
            expect(ids, url).toEqual(want);
            const res = await app.inject({ url: `${route.parent.path}/NOPE0000/${route.segment}` });
            expect(res.statusCode, url).toBe(404);
          }
          // Real records: the runs of a real study reached through its experiments.
          const { rows } = await test.lake.servingClient().query<{ study_accession: string; n: number }>(
            `SELECT e.study_accession, count(*) AS n FROM sra_run r JOIN sra_experiment e ON e.accession = r.experiment_accession
           WHERE NOT ${GENERATED_SQL.replaceAll("accession", "r.accession")} GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
          );
          const study = rows[0]!;
          expect(
            (await allPages(app, `/v1/sra/studies/${study.study_accession}/runs?limit=3`)).length,
          ).toBeGreaterThanOrEqual(Number(study.n));
        });

        it("looks up a batch of accessions, reporting the missing ones, and refuses more than 1,000", async () => {
          const res = await app.inject({
            method: "POST",
            url: "/v1/sra/runs/batch",
            payload: { accessions: ["SRR9000002", "SRR9000001", "SRR0000000", "SRR9000001"] },
          });
          expect(res.statusCode).toBe(200);
          const body = res.json<{
            data: { accession: string }[];
            meta: { count: number; missing: string[] };
          }>();
          expect(body.data.map((d) => d.accession)).toEqual(["SRR9000001", "SRR9000002"]);
          expect(body.meta).toEqual({ count: 2, missing: ["SRR0000000"] });
          const many = Array.from({ length: 1001 }, (_, i) => `SRR${i}`);
          const tooMany = await app.inject({
            method: "POST",
            url: "/v1/sra/runs/batch",
            payload: { accessions: many },
          });
          expect(tooMany.statusCode).toBe(400);
          expect(tooMany.json<ErrorBody>().error.code).toBe("validation_error");
          const ok = await app.inject({
            method: "POST",
            url: "/v1/geo/samples/batch",
            payload: { accessions: many.slice(0, 1000) },
          });
          expect(ok.statusCode).toBe(200);
        });

        it("shows each entity's row count and load time at /v1", async () => {
          const res = await app.inject({ url: "/v1" });
          expect(res.statusCode).toBe(200);
          const body = res.json<{
            entities: { entity: string; path: string; rows: number; loaded_at: string | null }[];
          }>();
          expect(body.entities.map((e) => e.entity).sort()).toEqual(Object.keys(fixtures.counts).sort());
          for (const entry of body.entities) {
            expect(entry.rows, entry.entity).toBe(
              fixtures.counts[entry.entity as keyof ServingFixtureFiles["counts"]],
            );
            expect(Date.parse(entry.loaded_at ?? "")).toBeGreaterThan(Date.now() - 3_600_000);
          }
        });

        it("documents every entity route with parameters and examples in OpenAPI", async () => {
          const doc = (await app.inject({ url: "/openapi.json" })).json<{
            paths: Record<
              string,
              Record<
                string,
                { parameters?: { name: string; example?: unknown; schema?: { example?: unknown } }[] }
              >
            >;
          }>();
          for (const spec of ENTITY_ROUTE_SPECS) {
            const list = doc.paths[spec.path]?.["get"];
            expect(list, spec.path).toBeDefined();
            const names = (list?.parameters ?? []).map((p) => p.name);
            for (const filter of spec.filters) expect(names, spec.path).toContain(filter.param);
            const withExamples = (list?.parameters ?? []).filter(
              (p) => p.example !== undefined || p.schema?.example !== undefined,
            );
            expect(withExamples.length, spec.path).toBeGreaterThanOrEqual(spec.filters.length);
            expect(doc.paths[`${spec.path}/{accession}`]?.["get"], spec.path).toBeDefined();
            expect(doc.paths[`${spec.path}/batch`]?.["post"], spec.path).toBeDefined();
          }
          for (const route of ENTITY_CHILD_ROUTES)
            expect(doc.paths[`${route.parent.path}/{accession}/${route.segment}`]).toBeDefined();
          expect(JSON.stringify(doc.paths["/v1/sra/runs/{accession}"])).toContain("SRR8426358");
        });
      });
    }
  },
);

describe("entity REST API before any load", () => {
  let test: TestLake;
  let app: FastifyInstance;
  beforeAll(async () => {
    test = await openTestLake("pglite");
    app = await buildServer({ lake: test.lake, rateLimit: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await test?.close();
  });

  it("answers 503 not_loaded for entity routes and zero rows at /v1", async () => {
    const res = await app.inject({ url: "/v1/sra/runs" });
    expect(res.statusCode).toBe(503);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: "not_loaded", details: { entity: "sra_run" } });
    const index = (await app.inject({ url: "/v1" })).json<{
      entities: { rows: number; loaded_at: string | null }[];
    }>();
    expect(index.entities.every((e) => e.rows === 0 && e.loaded_at === null)).toBe(true);
  });

  it("answers 503 not_loaded asking for a reload when the view lacks the stored JSON text an older release did not keep", async () => {
    const db = test.lake.servingClient();
    await db.exec(
      `CREATE VIEW sra_run AS SELECT 'SRR1'::text AS accession, '{"accession": "SRR1"}'::jsonb AS record`,
    );
    try {
      for (const url of ["/v1/sra/runs", "/v1/sra/runs/SRR1"]) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json<ErrorBody>().error, url).toMatchObject({
          code: "not_loaded",
          message: expect.stringMatching(/older release/) as unknown,
        });
      }
    } finally {
      await db.exec("DROP VIEW sra_run");
    }
  });
});
