import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEntity } from "@omicslake/metadata";
import { HAVE_NCBI_FIXTURES, NO_FIXTURES_REASON, writeServingParquet } from "@omicslake/metadata/testing";
import type { ServingFixtureFiles } from "@omicslake/metadata/testing";
import { buildServer } from "../src/app.js";
import { encodeEntityCursor } from "@omicslake/metadata";
import { openTestLake, testEngines, type TestLake } from "./entities-helpers.js";

const CLIENTS = 8;

interface Outcome {
  requests: number;
  /** Responses fully read (or failed): what the reload steps wait on instead of sleeping. */
  completed: number;
  failures: string[];
  /** Variants seen by each request: a consistent response shows exactly one. */
  inconsistent: string[];
  variants: Set<string>;
  totals: Set<number>;
}

const variantsOf = (body: string): Set<string> =>
  new Set([...body.matchAll(/Generated run \d+ (v\d)/g)].map((m) => m[1]!));

/** One client: list pages, filtered lists and lookups in a loop over keep-alive HTTP until `stop()` says so. */
async function hammer(base: string, client: number, stop: () => boolean, outcome: Outcome): Promise<void> {
  const urls = [
    // Keyset pages that start at the generated runs, whose titles name the load they came from.
    `/v1/sra/runs?limit=100&cursor=${encodeEntityCursor("sra_run", "SRR9")}`,
    `/v1/sra/runs/SRR90000${String((client % 9) + 1).padStart(2, "0")}`,
    "/v1/sra/runs?platform=illumina&instrument_model=illumina%20novaseq%206000&limit=50",
    "/v1/sra/runs?q=generated&limit=500",
  ];
  let i = client;
  while (!stop()) {
    const url = urls[i++ % urls.length]!;
    outcome.requests++;
    try {
      const res = await fetch(base + url);
      const body = await res.text();
      if (res.status !== 200) {
        outcome.failures.push(`${url}: ${res.status} ${body.slice(0, 200)}`);
        continue;
      }
      const seen = variantsOf(body);
      if (seen.size !== 1) outcome.inconsistent.push(`${url}: ${[...seen].join(",") || "no variant"}`);
      for (const v of seen) outcome.variants.add(v);
      if (url.includes("q=generated"))
        outcome.totals.add((JSON.parse(body) as { meta: { count: number } }).meta.count);
    } catch (error) {
      outcome.failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      outcome.completed++;
    }
  }
}

/**
 * Waits until `n` more responses have completed. Each client has at most one request in flight, so
 * of `n` completions at least `n - CLIENTS` were sent after this call: every phase of the test is
 * observed by real requests however fast or slow the machine is, with no sleep deciding it.
 */
async function responsesAfter(outcome: Outcome, n: number): Promise<void> {
  const target = outcome.completed + n;
  while (outcome.completed < target) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.skipIf(!HAVE_NCBI_FIXTURES)(
  `A/B reload under load${HAVE_NCBI_FIXTURES ? "" : ` — skipped: ${NO_FIXTURES_REASON}`}`,
  () => {
    for (const { engine, skip } of testEngines()) {
      describe.skipIf(skip !== null)(`${engine}${skip ? ` — skipped: ${skip}` : ""}`, () => {
        let test: TestLake;
        let app: FastifyInstance;
        let base: string;
        let v1: ServingFixtureFiles;
        let v2: ServingFixtureFiles;

        beforeAll(async () => {
          test = await openTestLake(engine);
          await mkdir(join(test.root, "v1"));
          await mkdir(join(test.root, "v2"));
          v1 = await writeServingParquet(join(test.root, "v1"), { generated: 300, variant: "v1" });
          v2 = await writeServingParquet(join(test.root, "v2"), { generated: 340, variant: "v2" });
          await loadEntity(test.lake.servingClient(), "sra_run", v1.files.sra_run);
          app = await buildServer({ lake: test.lake, rateLimit: 0 });
          base = await app.listen({ host: "127.0.0.1", port: 0 });
        });
        afterAll(async () => {
          await app?.close();
          await test?.close();
        });

        it("answers every request from either the old or the new data while the entity is reloaded", async () => {
          const outcome: Outcome = {
            requests: 0,
            completed: 0,
            failures: [],
            inconsistent: [],
            variants: new Set(),
            totals: new Set(),
          };
          let done = false;
          const clients = Array.from({ length: CLIENTS }, (_, c) => hammer(base, c, () => done, outcome));
          const tables: string[] = [];
          try {
            // Let the clients read the old data, then reload back and forth under them, each version
            // read by requests sent after its swap.
            await responsesAfter(outcome, CLIENTS * 3);
            for (const version of [v2, v1, v2]) {
              tables.push(
                (
                  await loadEntity(test.lake.servingClient(), "sra_run", version.files.sra_run, {
                    batchRows: 50,
                  })
                ).table,
              );
              await responsesAfter(outcome, CLIENTS * 3);
            }
          } finally {
            done = true;
            await Promise.all(clients);
          }
          expect(tables).toEqual(["sra_run_b", "sra_run_a", "sra_run_b"]);
          expect(outcome.failures).toEqual([]);
          expect(outcome.inconsistent).toEqual([]);
          expect(outcome.requests).toBeGreaterThan(CLIENTS * 10);
          expect([...outcome.variants].sort()).toEqual(["v1", "v2"]);
          // The search sees all generated runs of one load: 300 before, 340 after, never a half-filled table.
          for (const total of outcome.totals) expect([300, 340]).toContain(total);
          const after = await fetch(`${base}/v1/sra/runs/SRR9000001`);
          expect(((await after.json()) as { title: string }).title).toBe("Generated run 1 v2");
        });
      });
    }
  },
);
