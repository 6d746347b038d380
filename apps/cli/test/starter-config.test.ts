import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { geoSoft } from "@omicslake/metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeUpstream } from "@omicslake/core/testing";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// The starter config as a new user meets it: written by `init`, checked, then ingested, consolidated and
// rebuilt offline by the CLI (in this process, so the fake upstream here answers it). NCBI is out of
// reach here, so its GEO URL is overridden by the environment (OMICSLAKE__SOURCE__GEO__URL) to a local
// stand-in serving the starter's one series.
function run(cwd: string, env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runInProcess(cwd, args, env);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe("the starter config of omicslake init", () => {
  let dir: string;
  let fake: FakeUpstream;
  let online: Record<string, string>;
  let offline: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-starter-"));
    fake = await FakeUpstream.start();
    fake.geo.set("GSE2034", {
      self: geoSoft({
        series: [
          {
            accession: "GSE2034",
            title: "Breast cancer relapse free survival",
            lastUpdateDate: "2024-05-03",
            sampleIds: ["GSM36777"],
            platformIds: ["GPL96"],
          },
        ],
      }),
      gsm: geoSoft({
        samples: [
          {
            accession: "GSM36777",
            title: "sample 1",
            lastUpdateDate: "2024-05-03",
            platformId: "GPL96",
            seriesIds: ["GSE2034"],
          },
        ],
      }),
    });
    online = {
      OMICSLAKE__SOURCE__GEO__URL: fake.url("geo/"),
      OMICSLAKE__SOURCE__GEO__REQUESTS_PER_SECOND: "50",
    };
    offline = { OMICSLAKE__SOURCE__GEO__URL: `http://127.0.0.1:${await closedPort()}/geo/` };
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("passes config check right after init, declaring one small GEO dataset and saying how to widen it", async () => {
    expect((await run(dir, {}, "init")).code).toBe(0);
    const text = await readFile(join(dir, "omicslake.toml"), "utf8");
    expect(text).toContain('accessions = ["GSE2034"]');
    expect(text).toMatch(/To widen it/);
    expect(text).toMatch(/downloaded whole/);
    const check = await run(dir, {}, "--json", "config", "check");
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({
      datasets: [{ name: "geo-series", source: "geo", role: "metadata" }],
    });
  });

  it("does not suggest reprocess when a first ingest fails with nothing in raw", async () => {
    const fresh = await mkdtemp(join(tmpdir(), "omicslake-starter-first-"));
    try {
      expect((await run(fresh, {}, "init")).code).toBe(0);
      const down = await run(fresh, offline, "ingest");
      expect(down.code).toBe(1);
      expect(down.stderr + down.stdout).toContain("geo-series");
      expect(down.stderr + down.stdout).not.toContain("omicslake reprocess");
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it("ingests and consolidates out of the box, then rebuilds offline and guards the publication", async () => {
    const ingest = await run(dir, online, "--json", "ingest");
    expect(ingest.stderr).not.toMatch(/error/);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject([
      { dataset: "geo-series", fetched: 1, rows: { geo_series: 1, geo_sample: 1 } },
    ]);
    // Only the declared series was asked for: nothing else of GEO.
    expect(fake.requests.filter((r) => r.path.endsWith("acc.cgi")).map((r) => r.query.get("acc"))).toEqual([
      "GSE2034",
    ]);

    const consolidate = await run(dir, {}, "--json", "consolidate");
    expect(consolidate.code).toBe(0);
    const rows = Object.fromEntries(
      (JSON.parse(consolidate.stdout) as { entities: { entity: string; rows: number }[] }).entities.map(
        (e) => [e.entity, e.rows],
      ),
    );
    expect(rows).toMatchObject({ geo_series: 1, geo_sample: 1 });

    // The upstream is gone: ingest fails and says what to run; reprocess needs no network.
    const down = await run(dir, offline, "ingest");
    expect(down.code).toBe(1);
    expect(down.stderr + down.stdout).toContain("omicslake reprocess geo-series");
    expect((await run(dir, {}, "delete", "processed:geo-series")).code).toBe(0);
    const emptied = await run(dir, offline, "consolidate");
    expect(emptied.code).toBe(1);
    expect(emptied.stderr).toContain("[shrink_refused]");
    expect(emptied.stderr).toContain("geo_series 1 → 0 rows (empty)");
    expect(emptied.stderr).toContain("--allow-shrink");
    const reprocess = await run(dir, offline, "--json", "reprocess");
    expect(reprocess.code).toBe(0);
    expect(JSON.parse(reprocess.stdout)).toMatchObject([
      { dataset: "geo-series", rows: { geo_series: 1, geo_sample: 1 } },
    ]);
    expect((await run(dir, offline, "consolidate")).code).toBe(0);
  }, 600_000);

  it("refuses a starter edited with a setting nothing honours, naming the line", async () => {
    const file = join(dir, "omicslake.toml");
    const text = await readFile(file, "utf8");
    await writeFile(
      file,
      text.replace(
        'accessions = ["GSE2034"]',
        'accessions = ["GSE2034"]\nschedule = "whenever I feel like it"',
      ),
    );
    const check = await run(dir, {}, "config", "check");
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/omicslake\.toml, line \d+, \[data\.geo-series\], key "schedule"/);
    await writeFile(file, text);
  });
});
