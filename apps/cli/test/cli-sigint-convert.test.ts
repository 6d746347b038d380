import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built binary in a child process, so the signal and the exit code are real.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const CHILD_TIMEOUT_MS = 240_000;

describe.skipIf(!existsSync(MAIN))("Ctrl-C during convert (built; run `npm run build` first)", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-sigint-convert-"));
    // Large enough that the conversion is still running when the interrupt arrives.
    const csv = createWriteStream(join(dir, "big.csv"));
    csv.write("id,name,value\n");
    for (let i = 0; i < 2_000_000; i++) {
      if (!csv.write(`${i},name${i},${i * 3}\n`)) await once(csv, "drain");
    }
    csv.end();
    await once(csv, "close");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "says the conversion was cancelled, exits 130 and leaves neither output nor staging",
    async () => {
      const env = { ...process.env };
      delete env["OMICSLAKE_DEBUG"];
      const child = spawn(process.execPath, [MAIN, "convert", "big.csv", "-o", "out"], { cwd: dir, env });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve(code));
      });
      // Interrupt once the conversion has started: its staging directory exists.
      const staging = async (): Promise<string[]> =>
        (await readdir(dir)).filter((name) => name.startsWith(".out.converting-"));
      while ((await staging()).length === 0 && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill("SIGINT");
      const code = await exited;

      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/^cancelled: convert was cancelled/m);
      expect(existsSync(join(dir, "out"))).toBe(false);
      expect(await staging()).toEqual([]);
    },
    CHILD_TIMEOUT_MS,
  );
});
