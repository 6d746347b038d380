import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../run-cli.js";

/** Runs `omicslake <args>` in this process with no DATABASE_URL; its exit code and stderr. */
async function run(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const sink = (onText: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        onText(chunk.toString("utf8"));
        done();
      },
    });
  const env = { ...process.env };
  delete env["DATABASE_URL"];
  const code = await runCli(args, {
    cwd,
    env,
    stdout: sink(() => undefined),
    stderr: sink((text) => (stderr += text)),
  });
  return { code, stderr };
}

describe("omicslake worker", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-worker-"));
    await writeFile(join(dir, "omicslake.toml"), "[lake]\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses the embedded catalog with what to do, before opening (and so creating) it", async () => {
    const { code, stderr } = await run(dir, ["worker"]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "error [usage]: workers need a PostgreSQL catalog: set DATABASE_URL or [lake] database",
    );
    expect(stderr).toContain("with the embedded catalog materialize and daemon run assets in-process");
    expect(await readdir(dir)).toEqual(["omicslake.toml"]);
  });

  it("refuses a concurrency that is not a positive integer", async () => {
    for (const bad of ["0", "-1", "1.5", "many"]) {
      const { code, stderr } = await run(dir, ["worker", "--concurrency", bad]);
      expect(code, bad).toBe(2);
      expect(stderr).toContain(`--concurrency must be a positive integer, got "${bad}"`);
    }
  });
});
