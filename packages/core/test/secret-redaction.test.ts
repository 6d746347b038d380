import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataConfig, SourceConfig } from "../src/config/config-schema.js";
import { ValidationError } from "../src/errors/omicslake-error.js";
import { ingestDataset, type RetryEvent } from "@omicslake/sources";
import { FakeUpstream } from "@omicslake/core/testing";
import { lakeEngines } from "@omicslake/core/testing";

const SECRET = "sekrit123";
const FAST_RETRY = { attempts: 4, baseDelayMs: 10, maxDelayMs: 40 } as const;

/** Everything reachable from an error: messages, details and causes, as one string to search. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    parts.push(e.message, JSON.stringify((e as { details?: unknown }).details ?? {}));
  }
  return parts.join("\n");
}

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(`secrets and paths in run records on ${engine.name}`, () => {
    let opened: Awaited<ReturnType<typeof engine.open>>;
    let fake: FakeUpstream;
    let outside: string;

    beforeAll(async () => {
      opened = await engine.open();
      fake = await FakeUpstream.start();
      outside = await mkdtemp(join(tmpdir(), "omicslake-operator-"));
    });
    afterAll(async () => {
      await fake?.close();
      await opened?.dispose();
      await rm(outside, { recursive: true, force: true });
    });

    it("never shows an upstream's api_key in retry lines, the error, or the failed run's record", async () => {
      // Every answer fails: 500, a stalled request (timeout), 503, 500.
      fake.fault(
        "eutils/esearch.fcgi",
        { kind: "status", status: 500 },
        { kind: "stall", ms: 5_000 },
        { kind: "status", status: 503 },
        { kind: "status", status: 500 },
      );
      const source: SourceConfig = {
        kind: "geo",
        url: fake.url("geo/"),
        api_key: SECRET,
        options: { eutils_url: fake.url("eutils/") },
      };
      const data: DataConfig = { source: "geo", role: "metadata", options: { months: ["2022-03"] } };
      const retryLines: string[] = [];
      const onRetry = (event: RetryEvent): void => {
        // The line the CLI prints for a retry.
        retryLines.push(`  retrying ${event.url}: ${event.reason}`);
      };
      const failure = await ingestDataset(
        opened.lake,
        { name: "geo-secret", data, source, root: opened.root },
        { retry: FAST_RETRY, timeoutMs: 300, onRetry },
      ).catch((error: unknown) => error);

      // The key was sent: the test would see it if anything echoed the URL unredacted.
      const sent = fake.requestsTo("eutils/esearch.fcgi");
      expect(sent).toHaveLength(4);
      expect(sent.every((r) => r.query.get("api_key") === SECRET)).toBe(true);

      expect(retryLines).toHaveLength(3);
      for (const line of retryLines) {
        expect(line).not.toContain(SECRET);
        expect(line).toContain("api_key=REDACTED");
      }
      expect(retryLines.some((line) => line.includes("no answer within 300 ms"))).toBe(true);

      expect(failure).toMatchObject({ code: "upstream_failed" });
      expect(errorText(failure)).not.toContain(SECRET);
      expect(errorText(failure)).toContain("api_key=REDACTED");

      const runs = await opened.lake.catalog.listRuns({ step: "ingest:geo", status: "failed" });
      expect(runs.items).toHaveLength(1);
      const stored = JSON.stringify(await opened.lake.catalog.getRun(runs.items[0]!.id));
      expect(stored).not.toContain(SECRET);
      expect(runs.items[0]!.error?.message).toContain("api_key=REDACTED");
      const dataset = await opened.lake.dataset("raw:geo-secret");
      expect(JSON.stringify(dataset)).not.toContain(SECRET);
    });

    it("records files added from outside the lake by base name, never by the operator's path", async () => {
      const file = join(outside, "alice-data.csv");
      await writeFile(file, "id,x\n1,2\n");
      const { run } = await opened.lake.addFiles([file], { dataset: "paths" });
      const stored = await opened.lake.catalog.getRun(run.id);
      expect(JSON.stringify(stored)).not.toContain(outside);
      expect(stored.inputs).toEqual([expect.objectContaining({ name: "alice-data.csv" })]);
      expect(stored.parameters).toEqual({ dataset: "paths", files: ["alice-data.csv"] });
    });

    it("stores paths inside the lake lake-relative and redacts connection strings in a failed run", async () => {
      const failure = await opened.lake
        .withRun(
          "redaction-probe",
          { parameters: { database: `postgres://lake:${SECRET}@db.example/lake` } },
          (ctx) => {
            ctx.log(
              `reading ${join(opened.root, "downloads", "partial", "x.json")} and ${join(outside, "notes.txt")}`,
            );
            ctx.input({
              name: join(opened.root, "downloads", "x.csv"),
              url: `https://h.example/f?token=${SECRET}`,
            });
            throw new ValidationError(`cannot read ${join(outside, "secret-plans.csv")}`, {
              details: { file: join(outside, "secret-plans.csv"), url: `https://u:${SECRET}@h.example/x` },
            });
          },
        )
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ValidationError);
      const runs = await opened.lake.catalog.listRuns({ step: "redaction-probe" });
      const stored = runs.items[0]!;
      const text = JSON.stringify(stored);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(outside);
      expect(text).not.toContain(opened.root);
      expect(stored.parameters).toEqual({ database: "postgres://lake:REDACTED@db.example/lake" });
      expect(stored.inputs).toEqual([{ name: "downloads/x.csv", url: "https://h.example/f?token=REDACTED" }]);
      expect(stored.log).toContain("reading downloads/partial/x.json and notes.txt");
      expect(stored.error).toEqual({
        code: "invalid_input",
        message: "cannot read secret-plans.csv",
        details: { file: "secret-plans.csv", url: "https://u:REDACTED@h.example/x" },
      });
    });
  });
}
