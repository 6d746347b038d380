import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

// `serve` in a child process holds the embedded catalog; the CLI commands run in this process, a second
// process on the same catalog, as an operator's terminal beside a running server.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env["DATABASE_URL"];
  return env;
}

/** The built CLI in its own process: a third one on the catalog. */
function runChild(cwd: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: childEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe.skipIf(!existsSync(MAIN))(
  "CLI commands beside a running serve on the embedded catalog (built)",
  () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "omicslake-shared-"));
      await writeFile(join(dir, "omicslake.toml"), '[lake]\nroot = "lake"\n[server]\nrate_limit = 0\n');
      await writeFile(join(dir, "samples.csv"), "id,value\n1,2\n3,4\n");
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads and writes from the CLI while serve answers, each seeing the other's writes", async () => {
      const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { cwd: dir, env: childEnv() });
      const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
      let stderr = "";
      try {
        const address = await new Promise<string>((resolve, reject) => {
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk;
            const match = /serving (http:\/\/\S+)/.exec(stderr);
            if (match?.[1] !== undefined) resolve(match[1]);
          });
          child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
        });

        // Two CLI processes writing at once, while HTTP requests are answered.
        const [key, added, health] = await Promise.all([
          runInProcess(dir, ["keys", "create", "pipeline", "--scope", "write", "--json"]),
          runChild(dir, "add", "samples.csv", "--dataset", "shared"),
          fetch(`${address}/health`).then((res) => res.status),
        ]);
        expect(key.code, key.stderr).toBe(0);
        expect(added.code, added.stderr).toBe(0);
        expect(health).toBe(200);

        // serve sees the key and the dataset the CLI wrote...
        const { secret } = JSON.parse(key.stdout) as { secret: string };
        const promoted = await fetch(`${address}/v1/layers/promote`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: JSON.stringify({ dataset: "raw:shared", to: "processed" }),
        });
        expect(promoted.status, await promoted.clone().text()).toBe(201);

        // ...and the CLI sees what serve wrote.
        const listed = await runInProcess(dir, ["catalog", "ls", "--json"]);
        expect(listed.code, listed.stderr).toBe(0);
        expect(listed.stdout).toMatch(/"layer":\s*"processed"/);
        expect(listed.stdout).toContain("shared");
      } finally {
        child.kill("SIGTERM");
        await closed;
      }
      // serve freed the catalog on exit: the next command opens it directly.
      const after = await runInProcess(dir, ["catalog", "ls", "--json"]);
      expect(after.code, after.stderr).toBe(0);
      expect(existsSync(join(dir, "lake", "catalog.lock"))).toBe(false);
    });
  },
);
