import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { backupConfigText, restoredConfigText } from "./backup-config-file.js";

describe("the config a backup keeps", () => {
  it("keeps every section but no secret", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-backup-config-"));
    try {
      const file = join(dir, "omicslake.toml");
      await writeFile(
        file,
        [
          "[lake]",
          'root = "s3://bucket/lake"',
          'database = "postgres://steward:hunter2@db.example.org:5432/lake"',
          "[lake.s3]",
          'endpoint = "http://127.0.0.1:9000"',
          'access_key_id = "AKIAEXAMPLE"',
          'secret_access_key = "very-secret"',
          "[server]",
          "public_reads = false",
          "[source.sra]",
          'kind = "sra"',
          'api_key = "ncbi-key"',
          "",
        ].join("\n"),
      );
      const kept = await backupConfigText(file);
      for (const secret of ["hunter2", "AKIAEXAMPLE", "very-secret", "ncbi-key"])
        expect(kept).not.toContain(secret);
      const parsed = parse(kept) as {
        lake: { database: string; s3: { endpoint: string } };
        server: { public_reads: boolean };
        source: { sra: { kind: string } };
      };
      expect(parsed.lake.database).toBe("postgres://db.example.org:5432/lake");
      expect(parsed.lake.s3.endpoint).toBe("http://127.0.0.1:9000");
      expect(parsed.server.public_reads).toBe(false);
      expect(parsed.source.sra.kind).toBe("sra");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("restores with the new lake's own [lake] and without the original's backup destination", () => {
    const text = restoredConfigText(
      '[lake]\nroot = "/old"\n[backup]\nto = "s3://b/p"\ndaily = "02:00"\n[server]\nport = 9000\n',
      ["# restored"],
    );
    const parsed = parse(text) as {
      lake: Record<string, unknown>;
      backup: Record<string, unknown>;
      server: { port: number };
    };
    expect(parsed.lake).toEqual({ root: "." });
    expect(parsed.backup).toEqual({ daily: "02:00" });
    expect(parsed.server.port).toBe(9000);
    expect(text.startsWith("# restored\n")).toBe(true);
    expect(parse(restoredConfigText(undefined, []))).toEqual({ lake: { root: "." } });
  });
});
