import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, openLake } from "@omicslake/core";
import { FakeUpstream } from "@omicslake/core/testing";

// The built binary in a child process, so the signal and the exit code are real. Asynchronous, so the
// fake upstream in this process can answer the child's requests.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// A safety net only: opening an embedded catalog in a child process is slow on a loaded machine.
const CHILD_TIMEOUT_MS = 240_000;
const STALLED = "Metadata/SRA_Accessions.tab";

describe.skipIf(!existsSync(MAIN))("Ctrl-C during a long command (built; run `npm run build` first)", () => {
  let dir: string;
  let fake: FakeUpstream;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-sigint-"));
    fake = await FakeUpstream.start();
    const batch = "Mirroring/NCBI_SRA_Mirroring_20250110_Full";
    for (const set of ["study", "sample", "experiment", "run"]) {
      fake.setFile(`sra/reports/${batch}/meta_${set}_set.xml.gz`, `<${set}/>`);
    }
    fake.setFile(`sra/reports/${STALLED}`, "Accession\tStatus\nSRR1\tlive\n");
    await writeFile(
      join(dir, "omicslake.toml"),
      [
        "[lake]",
        `root = "lake"`,
        "[source.sra]",
        `kind = "sra"`,
        `url = "${fake.url("sra/reports/")}"`,
        "[role.metadata]",
        "[data.sra]",
        `source = "sra"`,
        `role = "metadata"`,
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "stops an ingest on SIGINT: the run is cancelled, the CLI says so and exits 130",
    async () => {
      // Far longer than the test: only the interrupt can end this download.
      fake.fault(`sra/reports/${STALLED}`, { kind: "stall", ms: 600_000 });
      const env = { ...process.env };
      delete env["DATABASE_URL"];
      delete env["OMICSLAKE_DEBUG"];
      const child = spawn(process.execPath, [MAIN, "ingest", "sra"], { cwd: dir, env });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve(code));
      });
      // Interrupt once the child is inside the download the upstream never answers.
      while (fake.requestsTo(`sra/reports/${STALLED}`).length === 0) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGINT");
      const code = await exited;

      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/^cancelled: ingest:sra was cancelled; run \d+ is marked cancelled/m);

      // The child's environment: its embedded catalog, not a DATABASE_URL of the test process.
      const lake = await openLake(await loadConfig({ file: join(dir, "omicslake.toml"), env }));
      try {
        const runs = await lake.catalog.listRuns({ step: "ingest:sra" });
        expect(runs.items).toHaveLength(1);
        expect(runs.items[0]).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
        // Nothing half-written: the stalled file never reached raw.
        const raw = await lake.dataset("raw:sra");
        const objects = await lake.catalog.listObjects(raw.id, { limit: 100 });
        expect(objects.items.map((o) => o.name)).not.toContain(STALLED);
        // Nothing left running for a later process to find abandoned.
        expect(await lake.deadRuns()).toEqual([]);
      } finally {
        await lake.close();
      }
    },
    CHILD_TIMEOUT_MS,
  );
});
