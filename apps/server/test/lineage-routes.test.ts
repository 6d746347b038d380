import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeOnLakeEngines } from "@omicslake/core/testing";
import { buildServer } from "../src/app.js";

interface Body {
  error?: { code: string; details: Record<string, unknown> };
  run?: { id: number; step: string; tool_versions: Record<string, string> };
  edges?: { input_dataset_id: number | null; output_dataset_id: number; action: string }[];
  replayed?: boolean;
}

describeOnLakeEngines("POST /v1/provenance, dataset versions, runs and tombstones over HTTP", (opened) => {
  let app: FastifyInstance;
  let dir: string;
  let writer: string;
  beforeAll(async () => {
    app = await buildServer({ lake: opened().lake, rateLimit: 0 });
    writer = `Bearer ${(await opened().lake.catalog.createApiKey("pipeline", ["write"])).secret}`;
    dir = await mkdtemp(join(tmpdir(), "omicslake-lineage-http-"));
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const record = {
    tool: { name: "fastqc", version: "0.12.1" },
    parameters: { kmers: 7 },
    inputs: ["raw:reads"],
    outputs: [{ name: "reads-qc", layer: "processed" }],
    started_at: "2026-01-02T10:00:00Z",
    finished_at: "2026-01-02T10:05:00+00:00",
    status: "succeeded",
    log: "Analysis complete",
  };

  it("records an external step once (201, then 200 replayed) and refuses what cannot be true (422)", async () => {
    const { lake } = opened();
    await writeFile(join(dir, "r1.fastq"), "@r1\nACGT\n+\nIIII\n");
    const { dataset: reads } = await lake.addFiles([join(dir, "r1.fastq")], { dataset: "reads" });
    const qc = await lake.createDataset({ name: "reads-qc", layer: "processed" });

    const post = (body: unknown, key?: string) =>
      app.inject({
        method: "POST",
        url: "/v1/provenance",
        payload: body as Record<string, unknown>,
        headers:
          key === undefined ? { authorization: writer } : { authorization: writer, "idempotency-key": key },
      });
    const anonymous = await app.inject({ method: "POST", url: "/v1/provenance", payload: record });
    expect(anonymous.statusCode).toBe(401);
    const first = await post(record, "fastqc-1");
    expect(first.statusCode).toBe(201);
    const created = first.json<Body>();
    expect(created.replayed).toBe(false);
    expect(created.run).toMatchObject({ step: "external:fastqc", tool_versions: { fastqc: "0.12.1" } });
    expect(created.edges).toEqual([
      expect.objectContaining({ input_dataset_id: reads.id, output_dataset_id: qc.id, action: "external" }),
    ]);

    const retry = await post(record, "fastqc-1");
    expect(retry.statusCode).toBe(200);
    expect(retry.json<Body>()).toMatchObject({ replayed: true, run: { id: created.run!.id } });
    const reused = await post({ ...record, status: "failed" }, "fastqc-1");
    expect(reused.statusCode).toBe(409);

    const lineage = await app.inject({ url: `/v1/provenance/${qc.id}` });
    expect(lineage.json<{ edges: unknown[] }>().edges).toHaveLength(2);

    const missing = await post({
      ...record,
      inputs: ["raw:nothing", 424242],
      outputs: [{ name: "nowhere", layer: "curated" }],
    });
    expect(missing.statusCode).toBe(422);
    expect(missing.json<Body>().error).toMatchObject({
      code: "missing_datasets",
      details: { missing: ["raw:nothing", "424242", "curated:nowhere"] },
    });
    const backwards = await post({
      ...record,
      started_at: record.finished_at,
      finished_at: record.started_at,
    });
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json<Body>().error?.code).toBe("invalid_time_range");
    const noOutputs = await post({ ...record, outputs: [] });
    expect(noOutputs.statusCode).toBe(400);
  });

  it("pages a dataset's versions and the runs, and shows a deleted dataset as a tombstone", async () => {
    const { lake } = opened();
    const ds = await lake.withRun("seed", {}, () =>
      lake.createDataset({ name: "paged", layer: "processed" }),
    );
    for (const body of ["one", "two", "three"]) {
      await lake.withRun("write", {}, () => lake.putObject(ds.result, { name: "x.txt", body }));
    }
    const first = await app.inject({ url: `/v1/catalog/${ds.result.id}/versions?limit=3` });
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{ data: { version: number }[]; meta: { next_cursor: string | null } }>();
    expect(page1.data.map((v) => v.version)).toEqual([4, 3, 2]);
    const second = await app.inject({
      url: `/v1/catalog/processed:paged/versions?limit=3&cursor=${page1.meta.next_cursor}`,
    });
    const page2 = second.json<{ data: { version: number; changes: { created: boolean } }[] }>();
    expect(page2.data.map((v) => [v.version, v.changes.created])).toEqual([[1, true]]);
    const shown = await app.inject({ url: `/v1/catalog/${ds.result.id}` });
    expect(shown.json<{ metadata: { version: string }; links: { versions: string } }>()).toMatchObject({
      metadata: { version: "4" },
      links: { versions: `/v1/catalog/${ds.result.id}/versions` },
    });
    expect((await app.inject({ url: "/v1/catalog/987654/versions" })).statusCode).toBe(404);

    const runs = await app.inject({ url: "/v1/runs?step=write&status=succeeded&limit=2" });
    const runPage = runs.json<{ data: { step: string }[]; meta: { next_cursor: string | null } }>();
    expect(runPage.data.map((r) => r.step)).toEqual(["write", "write"]);
    const rest = await app.inject({ url: `/v1/runs?step=write&limit=2&cursor=${runPage.meta.next_cursor}` });
    expect(rest.json<{ data: unknown[]; meta: { next_cursor: string | null } }>()).toMatchObject({
      data: [expect.anything()],
      meta: { next_cursor: null },
    });

    // The runs that wrote `paged`, as the dataset page's runs tab lists them: seed, then three writes.
    const wrote = await app.inject({ url: `/v1/runs?dataset=${ds.result.id}` });
    expect(wrote.json<{ data: { step: string }[] }>().data.map((r) => r.step)).toEqual([
      "write",
      "write",
      "write",
      "seed",
    ]);
    for (const bad of ["0", "-1", "x", "99999999999"]) {
      expect((await app.inject({ url: `/v1/runs?dataset=${bad}` })).statusCode).toBe(400);
    }

    // The promoted copy of `paged` keeps its path through the deleted processed dataset.
    const curated = await lake.promote(ds.result, "curated");
    await lake.deleteDataset(ds.result);
    const graph = await app.inject({ url: `/v1/provenance/${curated.id}` });
    const nodes = graph.json<{ nodes: { id: number; deleted: boolean; deleted_at: string | null }[] }>()
      .nodes;
    expect(nodes.find((n) => n.id === ds.result.id)).toMatchObject({ deleted: true });
    expect(nodes.find((n) => n.id === ds.result.id)?.deleted_at).toMatch(/^\d{4}-/);
    // The tombstone's own links answer: its lineage, its descendants and its versions stay readable by id.
    const own = await app.inject({ url: `/v1/provenance/${ds.result.id}/graph` });
    expect(own.statusCode).toBe(200);
    expect(own.json<{ nodes: { id: number }[] }>().nodes.map((n) => n.id)).toContain(curated.id);
    expect((await app.inject({ url: `/v1/provenance/${ds.result.id}` })).statusCode).toBe(200);
    const versions = await app.inject({ url: `/v1/catalog/${ds.result.id}/versions` });
    expect(versions.statusCode).toBe(200);
    expect(versions.json<{ data: unknown[] }>().data.length).toBeGreaterThan(0);
    // By name, only a live dataset is meant; the deleted one's name is free.
    expect((await app.inject({ url: `/v1/provenance/processed:${ds.result.name}` })).statusCode).toBe(404);
  });
});
