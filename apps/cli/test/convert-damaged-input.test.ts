import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

// The CLI in this process (runCli), so the exit code and the message are the ones users see.
describe("omicslake convert on damaged compressed input", () => {
  it("exits 1 on a truncated .csv.gz, naming the file and the compressed offset, and writes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-cli-damaged-"));
    try {
      const lines = ["id,score,label"];
      for (let i = 0; i < 100_000; i++) lines.push(`${i},${(i * 7919) % 1000},sample_${i}`);
      const full = gzipSync(`${lines.join("\n")}\n`);
      // Half the file: DuckDB alone reads such a cut as a shorter, valid table.
      const cut = Math.floor(full.length / 2);
      const input = join(dir, "samples.csv.gz");
      await writeFile(input, full.subarray(0, cut));
      const result = await runInProcess(dir, ["convert", input, "-o", join(dir, "out")]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("compressed_truncated");
      expect(result.stderr).toContain(input);
      expect(result.stderr).toContain(`compressed byte ${cut}`);
      expect((await readdir(dir)).sort()).toEqual(["samples.csv.gz"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
