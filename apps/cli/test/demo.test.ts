import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// The main job as users run it: `omicslake demo` builds a lake from generated data (no network, no
// shared fixtures), then the CLI (in this process) and the server (the built binary, in a child
// process, as an operator starts it) answer from it.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// A safety net only, sized for a loaded two-core machine: no outcome here depends on speed.
const TIMEOUT = 15 * 60_000;

function run(cwd: string, ...args: string[]): Promise<CliResult> {
  return runInProcess(cwd, args);
}

describe("the demo", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-demo-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "builds the demo lake through every flow, and a second run changes nothing",
    async () => {
      const first = await run(dir, "demo", "--no-serve", "--dir", "lake");
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain("serving tables loaded");
      const stats = JSON.parse(
        (await run(dir, "--config", "lake/omicslake.toml", "catalog", "stats", "--json")).stdout,
      ) as { datasets: number; objects: number };
      const again = await run(dir, "demo", "--no-serve", "--dir", "lake");
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain("serving tables loaded");
      const after = JSON.parse(
        (await run(dir, "--config", "lake/omicslake.toml", "catalog", "stats", "--json")).stdout,
      ) as { datasets: number; objects: number };
      expect(after).toMatchObject({ datasets: stats.datasets, objects: stats.objects });
      expect((await run(dir, "--config", "lake/omicslake.toml", "fsck")).code).toBe(0);
    },
    TIMEOUT,
  );

  it(
    "consolidates with the newest version winning and deletions applied",
    async () => {
      const query = async (sql: string): Promise<unknown[][]> => {
        const result = await run(dir, "--config", "lake/omicslake.toml", "query", sql, "--json");
        expect(result.code, result.stderr).toBe(0);
        return (JSON.parse(result.stdout) as { rows: unknown[][] }).rows;
      };
      // The Incremental batch retitled SRP900001 after the Full one.
      expect((await query("SELECT title FROM sra_study WHERE accession = 'SRP900001'"))[0]?.[0]).toMatch(
        /\(revised\)$/,
      );
      expect(
        Number((await query("SELECT count(*) - count(DISTINCT accession) FROM sra_study"))[0]?.[0]),
      ).toBe(0);
      // The update file deleted PMID 39000002 and revised 39000001.
      expect(Number((await query("SELECT count(*) FROM pubmed_article WHERE pmid = 39000002"))[0]?.[0])).toBe(
        0,
      );
      expect((await query("SELECT title FROM pubmed_article WHERE pmid = 39000001"))[0]?.[0]).toMatch(
        /\(corrected\)$/,
      );
    },
    TIMEOUT,
  );

  it.skipIf(!existsSync(MAIN))(
    "serves the catalog and entity pages (built CLI; run `npm run build` first)",
    async () => {
      const env = { ...process.env };
      delete env["DATABASE_URL"];
      const server = spawn(
        process.execPath,
        [MAIN, "--config", "lake/omicslake.toml", "serve", "--port", "0"],
        { cwd: dir, env },
      );
      try {
        const address = await new Promise<string>((resolve, reject) => {
          let text = "";
          server.stderr.on("data", (chunk: Buffer) => {
            text += chunk.toString();
            const match = /serving (http:\/\/\S+)/.exec(text);
            if (match) resolve(match[1]!);
          });
          server.once("exit", (code) => reject(new Error(`server exited ${String(code)}: ${text}`)));
        });
        const overview = (await (await fetch(`${address}/v1`)).json()) as {
          entities: { entity: string; rows: number }[];
        };
        expect(overview.entities.find((e) => e.entity === "sra_run")?.rows).toBeGreaterThan(100);
        const study = (await (await fetch(`${address}/v1/sra/studies/SRP900001`)).json()) as {
          title: string;
        };
        expect(study.title).toMatch(/\(revised\)$/);
        const runs = (await (await fetch(`${address}/v1/sra/studies/SRP900001/runs`)).json()) as {
          data: { accession: string }[];
        };
        expect(runs.data.map((r) => r.accession)).toContain("SRR9099999");
        const catalog = (await (await fetch(`${address}/v1/catalog?layer=curated`)).json()) as {
          data: { name: string }[];
        };
        expect(catalog.data.map((d) => d.name).sort()).toEqual([
          "demo-pbmc-counts.expression",
          "demo-samples",
          "metadata",
        ]);
      } finally {
        server.kill("SIGTERM");
        await new Promise((resolve) => server.once("exit", resolve));
      }
    },
    TIMEOUT,
  );
});
