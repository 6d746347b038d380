import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built binary in a child process, started the way an operator starts it: no logging variables set.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// A safety net only: opening an embedded catalog in a child process is slow on a loaded machine.
const CHILD_TIMEOUT_MS = 240_000;

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env["DATABASE_URL"];
  delete env["OMICSLAKE_DEBUG"];
  delete env["OMICSLAKE_LOG_REQUESTS"];
  return env;
}

function run(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: childEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(!existsSync(MAIN))("omicslake serve's log (built; run `npm run build` first)", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-serve-log-"));
    await writeFile(join(dir, "omicslake.toml"), '[lake]\nroot = "lake"\n[server]\nrate_limit = 0\n');
    await writeFile(join(dir, "data.bin"), Buffer.alloc(300_000, 7));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "reports an object that fails verification, with its key, without any logging variable set",
    async () => {
      const added = await run(dir, "add", "data.bin", "--dataset", "logged");
      expect(added.code, added.stderr).toBe(0);
      // Same size, one byte changed: only the sha256 can tell.
      const object = join(dir, "lake", "objects", "raw", "logged", "data.bin");
      await chmod(object, 0o600);
      const handle = await open(object, "r+");
      await handle.write(Buffer.from([8]), 0, 1, 150_000);
      await handle.close();

      const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { cwd: dir, env: childEnv() });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
      try {
        const address = await new Promise<string>((resolve, reject) => {
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk;
            const match = /serving (http:\/\/\S+)/.exec(stderr);
            if (match?.[1] !== undefined) resolve(match[1]);
          });
          child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
        });
        const completed = await fetch(`${address}/v1/catalog/raw:logged/files/data.bin`)
          .then(async (res) => res.ok && (await res.arrayBuffer()).byteLength === 300_000)
          .catch(() => false);
        expect(completed).toBe(false);
      } finally {
        child.kill("SIGTERM");
        await closed;
      }
      expect(stdout).toContain("stored object failed verification: raw/logged/data.bin");
      // Without OMICSLAKE_LOG_REQUESTS=1 the log keeps problems only, not a line per request.
      expect(stdout).not.toContain("incoming request");
    },
    CHILD_TIMEOUT_MS,
  );
});
