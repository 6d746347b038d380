import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// The CLI as users run it, in this process (runCli: the binary's parsing, commands, exit codes and
// output, on the embedded catalog); the built launcher itself runs once, in a child process.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function run(cwd: string, ...args: string[]): Promise<CliResult> {
  return runInProcess(cwd, args);
}

describe("omicslake CLI", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("init writes a valid commented config and its JSON Schema", async () => {
    const result = await run(dir, "init");
    expect(result.code).toBe(0);
    const config = await readFile(join(dir, "omicslake.toml"), "utf8");
    expect(config).toContain("[lake]");
    const schema = JSON.parse(await readFile(join(dir, "omicslake.schema.json"), "utf8")) as {
      properties: object;
    };
    expect(Object.keys(schema.properties)).toContain("source");
    expect((await run(dir, "config", "check")).code).toBe(0);
    expect((await run(dir, "init")).code).toBe(2); // refuses to overwrite without --force
  });

  it("adds files to raw and lists them as JSON", async () => {
    await writeFile(join(dir, "a.csv"), "id,x\n1,2\n");
    await writeFile(join(dir, "b.csv"), "id,x\n3,4\n");
    const add = await run(
      dir,
      "add",
      "a.csv",
      "b.csv",
      "--dataset",
      "tables",
      "--source",
      "lab",
      "--tag",
      "t1",
      "--json",
    );
    expect(add.code).toBe(0);
    const added = JSON.parse(add.stdout) as { objects: { key: string; sha256: string }[] };
    expect(added.objects.map((o) => o.key).sort()).toEqual(["raw/tables/a.csv", "raw/tables/b.csv"]);
    const ls = JSON.parse((await run(dir, "catalog", "ls", "--json")).stdout) as {
      data: { name: string; layer: string; objectCount: number }[];
    };
    expect(ls.data).toEqual([expect.objectContaining({ name: "tables", layer: "raw", objectCount: 2 })]);
    const files = await run(dir, "catalog", "files", "tables");
    expect(files.stdout).toContain("a.csv");
    const stats = JSON.parse((await run(dir, "catalog", "stats", "--json")).stdout) as { objects: number };
    expect(stats.objects).toBe(2);
  });

  it("promotes one layer at a time and shows lineage", async () => {
    const skip = await run(dir, "promote", "tables", "--to", "curated");
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain("layer_skip");
    expect((await run(dir, "promote", "tables", "--to", "processed")).code).toBe(0);
    const lineage = await run(dir, "lineage", "processed:tables");
    expect(lineage.code).toBe(0);
    expect(lineage.stdout).toMatch(/raw:tables .*--promotion.*--> processed:tables/);
  });

  it("refuses to delete raw and deletes processed", async () => {
    const raw = await run(dir, "delete", "raw:tables");
    expect(raw.code).toBe(1);
    expect(raw.stderr).toContain("raw_immutable");
    expect((await run(dir, "delete", "processed:tables")).code).toBe(0);
    expect((await run(dir, "catalog", "show", "processed:tables")).code).toBe(1);
  });

  it("fsck exits 1 and names an object whose bytes changed", async () => {
    expect((await run(dir, "fsck")).code).toBe(0);
    const object = join(dir, ".omicslake", "objects", "raw", "tables", "a.csv");
    await chmod(object, 0o644); // raw files are read-only on disk
    await writeFile(object, "id,x\n9,9\n"); // corrupt the stored bytes behind the lake's back
    const fsck = await run(dir, "fsck", "--json");
    expect(fsck.code).toBe(1);
    const report = JSON.parse(fsck.stdout) as { problems: { kind: string; key: string }[] };
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: "checksum_mismatch", key: "raw/tables/a.csv" }),
    ]);
  });

  it("reports a config typo with the file, line and key, exiting 1", async () => {
    const bad = join(dir, "bad");
    await rm(bad, { recursive: true, force: true });
    await writeFile(join(dir, "bad.toml"), "[server]\nprot = 8000\n");
    const result = await run(dir, "--config", "bad.toml", "catalog", "ls");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bad.toml");
    expect(result.stderr).toContain("line 2");
    expect(result.stderr).toContain('Did you mean "port"?');
  });

  it("creates, lists and revokes API keys without ever listing secrets", async () => {
    const created = JSON.parse(
      (await run(dir, "keys", "create", "pipeline", "--scope", "write", "--json")).stdout,
    ) as { id: number; secret: string };
    expect(created.secret).toMatch(/^olk_[0-9a-f]{12}_/);
    const listed = await run(dir, "keys", "ls", "--json");
    expect(listed.stdout).not.toContain(created.secret);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: created.id, name: "pipeline", revoked_at: null, expires_at: null }),
    ]);
    expect((await run(dir, "keys", "revoke", String(created.id))).code).toBe(0);
    expect((await run(dir, "keys", "create", "x", "--scope", "root")).code).toBe(2);
  });

  it("exits 2 on usage errors", async () => {
    expect((await run(dir, "parse", "fasta", "x.fa")).code).toBe(2);
    expect((await run(dir, "catalog", "ls", "--limit", "9999")).code).toBe(2);
    expect((await run(dir, "promote", "tables", "--to", "gold")).code).toBe(2);
    expect((await run(dir, "no-such-command")).code).toBe(2);
  });

  it.skipIf(!existsSync(MAIN))(
    "is a command after the README's install: npm linked the tracked launcher, which runs the build (run `npm run build` first)",
    () => {
      const bin = fileURLToPath(new URL("../../../node_modules/.bin/omicslake", import.meta.url));
      expect(existsSync(bin)).toBe(true);
      const result = spawnSync(bin, ["--version"], { cwd: dir, encoding: "utf8", timeout: 540_000 });
      expect(result.status).toBe(0);
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    },
  );
});

const NCBI = fileURLToPath(new URL("../../../../shared/fixtures/ncbi/", import.meta.url));

describe.skipIf(!existsSync(NCBI))("omicslake parse (needs ../shared/fixtures)", () => {
  it("writes NDJSON records with kind and accession, filtered and limited", async () => {
    const all = await run(process.cwd(), "parse", "sra", join(NCBI, "sra_pkgset_87pkgs.xml"));
    expect(all.code).toBe(0);
    const records = all.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; accession: string });
    expect(records.every((r) => typeof r.kind === "string" && typeof r.accession === "string")).toBe(true);
    const runs = await run(
      process.cwd(),
      "parse",
      "sra",
      join(NCBI, "sra_pkgset_87pkgs.xml"),
      "--kind",
      "sra_run",
    );
    const runKinds = new Set(
      runs.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    );
    expect([...runKinds]).toEqual(["sra_run"]);
    expect(runs.stdout.trim().split("\n").length).toBe(records.filter((r) => r.kind === "sra_run").length);
    const limited = await run(
      process.cwd(),
      "parse",
      "sra",
      join(NCBI, "sra_pkgset_87pkgs.xml"),
      "--limit",
      "5",
    );
    expect(limited.stdout.trim().split("\n")).toHaveLength(5);
  });

  it("--threads 2 writes what one thread writes, filtered and limited too", async () => {
    const file = join(NCBI, "sra_pkgset_87pkgs.xml");
    const kind = ["--kind", "sra_run,sra_sample"];
    const one = await run(process.cwd(), "parse", "sra", file, "--threads", "1", ...kind);
    expect(one.code).toBe(0);
    const lines = one.stdout.split("\n").slice(0, -1);
    // Two files, cut off three records into the second one.
    const limit = String(lines.length + 3);
    const two = await run(
      process.cwd(),
      "parse",
      "sra",
      file,
      file,
      "--threads",
      "2",
      ...kind,
      "--limit",
      limit,
    );
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(`${one.stdout}${lines.slice(0, 3).join("\n")}\n`);
    expect((await run(process.cwd(), "parse", "sra", file, "--threads", "0")).code).toBe(2);
    expect((await run(process.cwd(), "parse", "geo", file, "--threads", "2")).code).toBe(2);
  });

  it("fails with exit 1 naming the file and byte offset on a truncated file, keeping the records before it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-parse-"));
    try {
      const source = await readFile(join(NCBI, "sra_pkgset_87pkgs.xml"));
      const cut = join(dir, "cut.xml");
      await writeFile(cut, source.subarray(0, Math.floor(source.length / 2)));
      const result = await run(dir, "parse", "sra", cut);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("cut.xml");
      expect(result.stderr).toMatch(/byte \d+/);
      const lines = result.stdout.trim().split("\n");
      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const FORMATS = fileURLToPath(new URL("../../../../shared/fixtures/formats/", import.meta.url));

describe.skipIf(!existsSync(FORMATS))("omicslake convert (needs ../shared/fixtures)", () => {
  it("converts a 10x directory with cell metadata and reports cells without metadata", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-convert-"));
    try {
      const result = await run(
        dir,
        "convert",
        join(FORMATS, "10x_v3"),
        "-o",
        "out",
        "--cell-metadata",
        join(FORMATS, "10x_v3", "cells.tsv"),
        "--json",
      );
      expect(result.code).toBe(0);
      const parsed = JSON.parse(result.stdout) as {
        format: string;
        outputs: { name: string; rows: number }[];
        warnings: string[];
      };
      expect(parsed.format).toBe("10x-mtx");
      expect(parsed.outputs.map((o) => o.name).sort()).toEqual([
        "cells.parquet",
        "features.parquet",
        "manifest.json",
        "matrix.X.parquet",
      ]);
      expect(parsed.warnings.join(" ")).toMatch(/1 of 500 cells/);
      expect(existsSync(join(dir, "out", "matrix.X.parquet"))).toBe(true);
      // A second conversion into the same directory is refused, leaving the first untouched.
      const again = await run(dir, "convert", join(FORMATS, "10x_v3"), "-o", "out");
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("output_exists");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
