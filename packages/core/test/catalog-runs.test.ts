import { describe, expect, it } from "vitest";
import type { Run } from "../src/catalog/catalog-types.js";
import { ConflictError, NotFoundError, ValidationError } from "../src/errors/omicslake-error.js";
import { forEachDatabase } from "@omicslake/core/testing";

forEachDatabase((ctx) => {
  describe("runs", () => {
    it("records a run from start to success with its inputs, outputs and counts", async () => {
      const catalog = ctx().catalog;
      const started = await catalog.startRun({
        step: "runs-convert",
        toolVersions: { omicslake: "0.1.0", duckdb: "1.5.6" },
        parameters: { partition: "2024-03" },
      });
      expect(started).toMatchObject({
        step: "runs-convert",
        status: "running",
        finishedAt: null,
        toolVersions: { omicslake: "0.1.0", duckdb: "1.5.6" },
        parameters: { partition: "2024-03" },
        inputs: [],
        outputs: [],
        rowCounts: {},
        log: "",
        error: null,
      });
      expect(started.startedAt).toBeInstanceOf(Date);
      const finished = await catalog.finishRun(started.id, {
        status: "succeeded",
        inputs: [{ key: "raw/x.xml.gz", sha256: "0".repeat(64), size: 12 }],
        outputs: [{ key: "processed/x.parquet", rows: 3 }],
        rowCounts: { samples: 3 },
        log: "converted 3 records\n",
      });
      expect(finished).toMatchObject({
        status: "succeeded",
        inputs: [{ key: "raw/x.xml.gz", sha256: "0".repeat(64), size: 12 }],
        outputs: [{ key: "processed/x.parquet", rows: 3 }],
        rowCounts: { samples: 3 },
        log: "converted 3 records\n",
        error: null,
      });
      expect(finished.finishedAt!.getTime()).toBeGreaterThanOrEqual(started.startedAt.getTime());
      expect(await catalog.getRun(started.id)).toEqual(finished);
    });

    it("records a failure with its error, and refuses to finish a run twice", async () => {
      const catalog = ctx().catalog;
      const run = await catalog.startRun({ step: "runs-fail" });
      const failed = await catalog.finishRun(run.id, {
        status: "failed",
        error: { code: "parse_error", message: "line 4: bad header", details: { line: 4 } },
      });
      expect(failed.status).toBe("failed");
      expect(failed.error).toEqual({
        code: "parse_error",
        message: "line 4: bad header",
        details: { line: 4 },
      });
      await expect(catalog.finishRun(run.id, { status: "succeeded" })).rejects.toThrow(ConflictError);
      await expect(catalog.finishRun(987654, { status: "succeeded" })).rejects.toThrow(NotFoundError);
      await expect(catalog.getRun(987654)).rejects.toThrow(NotFoundError);
      const other = await catalog.startRun({ step: "runs-fail" });
      await expect(catalog.finishRun(other.id, { status: "running" as "failed" })).rejects.toThrow(
        ValidationError,
      );
      await expect(
        catalog.finishRun(other.id, { status: "succeeded", rowCounts: { x: -1 } }),
      ).rejects.toThrow(ValidationError);
      await expect(catalog.startRun({ step: "" })).rejects.toThrow(ValidationError);
    });

    it("lists runs newest first with filters and cursors", async () => {
      const catalog = ctx().catalog;
      const made: Run[] = [];
      for (let i = 0; i < 7; i++) made.push(await catalog.startRun({ step: "runs-list" }));
      await catalog.finishRun(made[2]!.id, { status: "succeeded" });
      await catalog.finishRun(made[5]!.id, { status: "failed" });
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.listRuns({
          step: "runs-list",
          limit: 3,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual(made.map((r) => r.id).reverse());
      const running = await catalog.listRuns({ step: "runs-list", status: "running" });
      expect(running.items.map((r) => r.id)).toEqual([6, 4, 3, 1, 0].map((i) => made[i]!.id));
      await expect(catalog.listRuns({ cursor: "eyJsIjoiZGF0YXNldHMiLCJhIjoxfQ" })).rejects.toMatchObject({
        code: "invalid_cursor",
      });
    });
  });

  it("lists the runs that wrote a dataset: its creation, lineage edges into it and its deletion", async () => {
    const catalog = ctx().catalog;
    const creating = await catalog.startRun({ step: "runs-of-create" });
    const source = await catalog.createDataset({ name: "runs-of-source", layer: "processed" });
    const target = await catalog.createDataset({
      name: "runs-of-target",
      layer: "processed",
      createdByRunId: creating.id,
    });
    const feeding = await catalog.startRun({ step: "runs-of-feed" });
    await catalog.addProvenance({
      outputDatasetId: target.id,
      inputDatasetId: source.id,
      action: "consolidation",
      runId: feeding.id,
    });
    // A run that only read the dataset (an edge out of it) did not write it.
    const reading = await catalog.startRun({ step: "runs-of-read" });
    const downstream = await catalog.createDataset({ name: "runs-of-downstream", layer: "curated" });
    await catalog.addProvenance({
      outputDatasetId: downstream.id,
      inputDatasetId: target.id,
      action: "promotion",
      runId: reading.id,
    });
    const unrelated = await catalog.startRun({ step: "runs-of-unrelated" });
    const deleting = await catalog.startRun({ step: "runs-of-delete" });
    await catalog.deleteDataset(target.id, { runId: deleting.id });

    const ids = async (dataset: number, limit?: number): Promise<number[]> => {
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.listRuns({
          dataset,
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return seen;
    };
    expect(await ids(target.id)).toEqual([deleting.id, feeding.id, creating.id]);
    expect(await ids(target.id, 1)).toEqual([deleting.id, feeding.id, creating.id]);
    expect(await ids(downstream.id)).toEqual([reading.id]);
    expect(await ids(source.id)).toEqual([]);
    expect(await ids(987654)).toEqual([]);
    expect(
      (await catalog.listRuns({ dataset: target.id, step: "runs-of-feed" })).items.map((r) => r.id),
    ).toEqual([feeding.id]);
    expect((await ids(target.id)).includes(unrelated.id)).toBe(false);
    await expect(catalog.listRuns({ dataset: 0 })).rejects.toThrow(ValidationError);
  });

  describe("schema versions", () => {
    it("writes a version only when the schema changes, with the diff from the previous one", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "schema-1", layer: "processed" });
      const run = await catalog.startRun({ step: "schema" });
      const v1 = await catalog.recordSchema(
        dataset.id,
        "samples",
        [
          { name: "accession", type: "utf8", nullable: false },
          { name: "age", type: "int32", nullable: true },
          { name: "title", type: "utf8", nullable: true },
        ],
        run.id,
      );
      expect(v1).toMatchObject({ datasetId: dataset.id, tableName: "samples", version: 1, runId: run.id });
      expect(v1.diff).toEqual({ added: [], removed: [], retyped: [] });

      // Same columns in another order: not a change.
      const same = await catalog.recordSchema(dataset.id, "samples", [
        { name: "title", type: "utf8", nullable: true },
        { name: "accession", type: "utf8", nullable: false },
        { name: "age", type: "int32", nullable: true },
      ]);
      expect(same).toEqual(v1);

      const v2 = await catalog.recordSchema(dataset.id, "samples", [
        { name: "accession", type: "utf8", nullable: true },
        { name: "age", type: "int64", nullable: true },
        { name: "organism", type: "utf8", nullable: true },
      ]);
      expect(v2.version).toBe(2);
      expect(v2.runId).toBeNull();
      expect(v2.diff).toEqual({
        added: [{ name: "organism", type: "utf8", nullable: true }],
        removed: [{ name: "title", type: "utf8", nullable: true }],
        retyped: [
          { name: "accession", from: "utf8", to: "utf8", nullableFrom: false, nullableTo: true },
          { name: "age", from: "int32", to: "int64", nullableFrom: true, nullableTo: true },
        ],
      });

      const other = await catalog.recordSchema(dataset.id, "experiments", [
        { name: "id", type: "utf8", nullable: false },
      ]);
      expect(other.version).toBe(1);
      expect((await catalog.listSchemaVersions(dataset.id)).map((v) => [v.tableName, v.version])).toEqual([
        ["experiments", 1],
        ["samples", 1],
        ["samples", 2],
      ]);
      expect((await catalog.listSchemaVersions(dataset.id, "samples")).map((v) => v.version)).toEqual([1, 2]);
    });

    it("gives concurrent recorders distinct versions", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "schema-race", layer: "processed" });
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          catalog.recordSchema(dataset.id, "t", [{ name: `c${i}`, type: "int32", nullable: false }]),
        ),
      );
      expect(results.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    });

    it("refuses bad fields, unknown datasets and unknown runs", async () => {
      const catalog = ctx().catalog;
      const dataset = await catalog.createDataset({ name: "schema-bad", layer: "processed" });
      const field = { name: "a", type: "int32", nullable: false };
      await expect(catalog.recordSchema(dataset.id, "t", [field, field])).rejects.toThrow(
        /two columns named "a"/,
      );
      await expect(
        catalog.recordSchema(dataset.id, "t", [{ name: "a", type: "", nullable: false }]),
      ).rejects.toThrow(ValidationError);
      await expect(catalog.recordSchema(987654, "t", [field])).rejects.toThrow(NotFoundError);
      await expect(catalog.recordSchema(dataset.id, "t", [field], 987654)).rejects.toMatchObject({
        details: { what: "run" },
      });
      await expect(catalog.listSchemaVersions(987654)).rejects.toThrow(NotFoundError);
    });
  });

  describe("API keys", () => {
    it("creates a key whose secret verifies until it is revoked", async () => {
      const catalog = ctx().catalog;
      const { key, secret } = await catalog.createApiKey("ci", [
        "catalog:write",
        "catalog:read",
        "catalog:write",
      ]);
      expect(secret).toMatch(/^olk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(secret.startsWith(`${key.prefix}_`)).toBe(true);
      expect(key).toMatchObject({
        name: "ci",
        scopes: ["catalog:write", "catalog:read"],
        lastUsedAt: null,
        revokedAt: null,
      });
      const stored = await ctx().db.query("SELECT key_hash FROM api_keys WHERE id = $1", [key.id]);
      expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(17));

      const verified = await catalog.verifyApiKey(secret);
      expect(verified?.id).toBe(key.id);
      expect(verified?.lastUsedAt).toBeInstanceOf(Date);

      // Same prefix, different random part; a truncated secret; garbage.
      const tampered = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
      expect(await catalog.verifyApiKey(tampered)).toBeUndefined();
      expect(await catalog.verifyApiKey(secret.slice(0, -3))).toBeUndefined();
      expect(await catalog.verifyApiKey("olk_000000000000_" + "x".repeat(43))).toBeUndefined();
      expect(await catalog.verifyApiKey("")).toBeUndefined();

      await catalog.revokeApiKey(key.id);
      expect(await catalog.verifyApiKey(secret)).toBeUndefined();
      const listed = (await catalog.listApiKeys()).find((k) => k.id === key.id);
      expect(listed?.revokedAt).toBeInstanceOf(Date);
      await catalog.revokeApiKey(key.id);
      expect((await catalog.listApiKeys()).find((k) => k.id === key.id)?.revokedAt).toEqual(
        listed?.revokedAt,
      );
      await expect(catalog.revokeApiKey(987654)).rejects.toThrow(NotFoundError);
    });

    it("keeps keys apart and refuses an empty name or scope", async () => {
      const catalog = ctx().catalog;
      const one = await catalog.createApiKey("one", []);
      const two = await catalog.createApiKey("two", ["admin"]);
      expect(one.key.prefix).not.toBe(two.key.prefix);
      expect((await catalog.verifyApiKey(two.secret))?.name).toBe("two");
      expect((await catalog.verifyApiKey(one.secret))?.scopes).toEqual([]);
      await expect(catalog.createApiKey("", [])).rejects.toThrow(ValidationError);
      await expect(catalog.createApiKey("x", [""])).rejects.toThrow(ValidationError);
    });

    it("tells a valid key from a revoked, an expired and an unknown one, and uses only the valid", async () => {
      const catalog = ctx().catalog;
      const now = new Date("2030-01-01T00:00:00Z");
      const live = await catalog.createApiKey("live", ["read"], {
        expiresAt: new Date("2030-01-02T00:00:00Z"),
      });
      const old = await catalog.createApiKey("old", ["read"], {
        expiresAt: new Date("2029-12-31T00:00:00Z"),
      });
      const gone = await catalog.createApiKey("gone", ["read"]);
      await catalog.revokeApiKey(gone.key.id);
      expect(live.key.expiresAt).toEqual(new Date("2030-01-02T00:00:00Z"));
      expect((await catalog.checkApiKey(live.secret, now)).kind).toBe("valid");
      expect(await catalog.checkApiKey(old.secret, now)).toMatchObject({
        kind: "expired",
        key: { name: "old" },
      });
      expect(await catalog.checkApiKey(gone.secret, now)).toMatchObject({
        kind: "revoked",
        key: { name: "gone" },
      });
      expect(await catalog.checkApiKey(`${old.secret.slice(0, -1)}x`, now)).toEqual({ kind: "unknown" });
      // The expiry instant itself is past.
      expect((await catalog.checkApiKey(live.secret, new Date("2030-01-02T00:00:00Z"))).kind).toBe("expired");
      expect(await catalog.verifyApiKey(old.secret, now)).toBeUndefined();
      // An expired key's use is not recorded as use.
      expect((await catalog.listApiKeys()).find((k) => k.name === "old")?.lastUsedAt).toBeNull();
    });
  });

  describe("audit log", () => {
    it("keeps entries newest first, filtered by actor, action words, dataset, outcome and time", async () => {
      const log = ctx().catalog.auditLog;
      const base = { origin: "cli", requestId: "r", actorKind: "local_user" } as const;
      const first = await log.record({ ...base, actor: "ana", action: "keys create", outcome: "succeeded" });
      await log.record({
        ...base,
        actor: "ana",
        action: "keys revoke",
        outcome: "failed",
        errorCode: "not_found",
      });
      await log.record({
        ...base,
        actor: "bo",
        action: "add",
        dataset: "raw:audit-x",
        objects: Array.from({ length: 1005 }, (_, i) => `f${i}`),
        outcome: "cancelled",
        details: { command: "omicslake add" },
      });
      const mine = (await log.list({ since: first.at })).items.filter((e) => e.id >= first.id);
      expect(mine.map((e) => e.action)).toEqual(["add", "keys revoke", "keys create"]);
      expect(mine[0]!.objects).toHaveLength(1000);
      expect(mine[0]!.details).toEqual({ command: "omicslake add", objects_total: 1005 });
      expect((await log.list({ action: "keys", actor: "ana", since: first.at })).items).toHaveLength(2);
      expect((await log.list({ action: "key", actor: "ana", since: first.at })).items).toHaveLength(0);
      expect((await log.list({ dataset: "raw:audit-x" })).items.map((e) => e.outcome)).toEqual(["cancelled"]);
      expect((await log.list({ outcome: "failed", actor: "ana", since: first.at })).items[0]?.errorCode).toBe(
        "not_found",
      );
      expect((await log.list({ until: first.at, actor: "ana" })).items.every((e) => e.id < first.id)).toBe(
        true,
      );
      const page = await log.list({ actor: "ana", since: first.at, limit: 1 });
      const next = await log.list({ actor: "ana", since: first.at, limit: 1, cursor: page.nextCursor! });
      expect([page.items[0]!.action, next.items[0]!.action]).toEqual(["keys revoke", "keys create"]);
      await expect(log.list({ outcome: "maybe" as "failed" })).rejects.toThrow(ValidationError);
    });
  });
});
