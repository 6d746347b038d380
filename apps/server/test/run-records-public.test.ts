import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestDataset } from "@omicslake/sources";
import { openLake, type Lake } from "@omicslake/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeUpstream } from "@omicslake/core/testing";
import { buildServer } from "../src/app.js";

const SECRET = "sekrit123";

describe("runs served without a key", () => {
  let root: string;
  let operator: string;
  let lake: Lake;
  let fake: FakeUpstream;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-server-runs-"));
    operator = await mkdtemp(join(tmpdir(), "omicslake-operator-"));
    lake = await openLake({
      root,
      storage: { url: `file://${join(root, "objects")}` },
      database: { pgliteDir: "memory://" },
    });
    fake = await FakeUpstream.start();

    // An upstream that fails every attempt, for a source with an API key.
    fake.fault(
      "eutils/esearch.fcgi",
      ...Array.from({ length: 3 }, () => ({ kind: "status" as const, status: 500 })),
    );
    await ingestDataset(
      lake,
      {
        name: "geo-months",
        data: { source: "geo", role: "metadata", options: { months: ["2022-03"] } },
        source: {
          kind: "geo",
          url: fake.url("geo/"),
          api_key: SECRET,
          options: { eutils_url: fake.url("eutils/") },
        },
        root,
      },
      { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } },
    ).catch(() => undefined);
    expect(fake.requestsTo("eutils/esearch.fcgi").map((r) => r.query.get("api_key"))).toEqual([
      SECRET,
      SECRET,
      SECRET,
    ]);

    // `omicslake add /home/alice/…/plate-7.csv`
    const file = join(operator, "plate-7.csv");
    await writeFile(file, "well,value\nA1,3\n");
    await lake.addFiles([file], { dataset: "plates" });

    app = await buildServer({ lake, rateLimit: 0 });
  });

  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await lake?.close();
    await rm(root, { recursive: true, force: true });
    await rm(operator, { recursive: true, force: true });
  });

  it("GET /v1/runs shows neither the upstream's api_key nor the operator's paths", async () => {
    const res = await app.inject({ url: "/v1/runs" });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain(operator);
    expect(res.body).not.toContain(root);
    const runs = res.json<{
      data: {
        id: number;
        step: string;
        status: string;
        error: { message: string } | null;
        inputs: { name?: string }[];
      }[];
    }>().data;
    const ingest = runs.find((r) => r.step === "ingest:geo")!;
    expect(ingest.status).toBe("failed");
    expect(ingest.error?.message).toContain("api_key=REDACTED");
    const add = runs.find((r) => r.step === "add")!;
    expect(add.inputs.map((i) => i.name)).toEqual(["plate-7.csv"]);

    for (const run of runs) {
      const one = await app.inject({ url: `/v1/runs/${run.id}` });
      expect(one.statusCode).toBe(200);
      expect(one.body).not.toContain(SECRET);
      expect(one.body).not.toContain(operator);
    }
  });

  it("GET /v1/catalog shows the dataset's upstream without the key", async () => {
    const res = await app.inject({ url: "/v1/catalog?layer=raw" });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SECRET);
  });
});
