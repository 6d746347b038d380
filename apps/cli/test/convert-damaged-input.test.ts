import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

// The built binary in a child process, so the exit code and the message are the ones users see.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe.skipIf(!existsSync(MAIN))("omicslake convert on damaged compressed input (built CLI)", () => {
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
      const result = spawnSync(process.execPath, [MAIN, "convert", input, "-o", join(dir, "out")], {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain("compressed_truncated");
      expect(result.stderr).toContain(input);
      expect(result.stderr).toContain(`compressed byte ${cut}`);
      expect((await readdir(dir)).sort()).toEqual(["samples.csv.gz"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
