import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The main job as users run it: `omicslake demo` builds a lake from generated data (no network, no
// shared fixtures), then the CLI and the server answer from it.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// A safety net only, sized for a loaded two-core machine: no outcome here depends on speed.
const TIMEOUT = 15 * 60_000;

function run(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env["DATABASE_URL"];
  // The timeout is a hang guard under the test's own, never a speed limit.
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: "utf8", env, timeout: TIMEOUT });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!existsSync(MAIN))("the demo (built CLI)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-demo-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("builds the demo lake through every flow, and a second run changes nothing", () => {
    const first = run(dir, "demo", "--no-serve", "--dir", "lake");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("serving tables loaded");
    const stats = JSON.parse(run(dir, "--config", "lake/omicslake.toml", "catalog", "stats", "--json").stdout) as { datasets: number; objects: number };
    const again = run(dir, "demo", "--no-serve", "--dir", "lake");
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("serving tables loaded");
    const after = JSON.parse(run(dir, "--config", "lake/omicslake.toml", "catalog", "stats", "--json").stdout) as { datasets: number; objects: number };
    expect(after).toMatchObject({ datasets: stats.datasets, objects: stats.objects });
    expect(run(dir, "--config", "lake/omicslake.toml", "fsck").code).toBe(0);
  }, TIMEOUT);

  it("consolidates with the newest version winning and deletions applied", () => {
    const query = (sql: string): unknown[][] => {
      const result = run(dir, "--config", "lake/omicslake.toml", "query", sql, "--json");
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { rows: unknown[][] }).rows;
    };
    // The Incremental batch retitled SRP900001 after the Full one.
    expect(query("SELECT title FROM sra_study WHERE accession = 'SRP900001'")[0]?.[0]).toMatch(/\(revised\)$/);
    expect(Number(query("SELECT count(*) - count(DISTINCT accession) FROM sra_study")[0]?.[0])).toBe(0);
    // The update file deleted PMID 39000002 and revised 39000001.
    expect(Number(query("SELECT count(*) FROM pubmed_article WHERE pmid = 39000002")[0]?.[0])).toBe(0);
    expect(query("SELECT title FROM pubmed_article WHERE pmid = 39000001")[0]?.[0]).toMatch(/\(corrected\)$/);
  }, TIMEOUT);

  it("serves the catalog and entity pages", async () => {
    const env = { ...process.env };
    delete env["DATABASE_URL"];
    const server = spawn(process.execPath, [MAIN, "--config", "lake/omicslake.toml", "serve", "--port", "0"], { cwd: dir, env });
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
      const overview = (await (await fetch(`${address}/v1`)).json()) as { entities: { entity: string; rows: number }[] };
      expect(overview.entities.find((e) => e.entity === "sra_run")?.rows).toBeGreaterThan(100);
      const study = (await (await fetch(`${address}/v1/sra/studies/SRP900001`)).json()) as { title: string };
      expect(study.title).toMatch(/\(revised\)$/);
      const runs = (await (await fetch(`${address}/v1/sra/studies/SRP900001/runs`)).json()) as { data: { accession: string }[] };
      expect(runs.data.map((r) => r.accession)).toContain("SRR9099999");
      const catalog = (await (await fetch(`${address}/v1/catalog?layer=curated`)).json()) as { data: { name: string }[] };
      expect(catalog.data.map((d) => d.name).sort()).toEqual(["demo-samples", "metadata"]);
    } finally {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
    }
  }, TIMEOUT);
});
