import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardLine, dashboardRoot } from "../src/commands/serve-command.js";

// The built binary in a child process, as an operator starts it, with the dashboard folder overridden.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
// A safety net only: opening an embedded catalog in a child process is slow on a loaded machine.
const CHILD_TIMEOUT_MS = 240_000;
const INDEX = "<!doctype html><title>omicslake</title>";

describe("the dashboard line of serve's log", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-serve-dashboard-"));
    await mkdir(join(dir, "web"));
    await mkdir(join(dir, "unbuilt"));
    await writeFile(join(dir, "web", "index.html"), INDEX);
    await writeFile(join(dir, "omicslake.toml"), '[lake]\nroot = "lake"\n[server]\nrate_limit = 0\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the dashboard's address, or says it is not built and how to build it", () => {
    expect(dashboardRoot({ OMICSLAKE_WEB_DIR: join(dir, "web") })).toBe(join(dir, "web"));
    expect(dashboardLine(join(dir, "web"), "http://127.0.0.1:8000")).toBe(
      "  dashboard: http://127.0.0.1:8000/",
    );
    for (const root of [join(dir, "unbuilt"), join(dir, "missing"), undefined])
      expect(dashboardLine(root, "http://127.0.0.1:8000")).toBe("  dashboard: not built (run npm run build)");
  });

  it.skipIf(!existsSync(MAIN))(
    "serve logs the dashboard after its address and serves OMICSLAKE_WEB_DIR at / (built; run `npm run build` first)",
    async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, OMICSLAKE_WEB_DIR: join(dir, "web") };
      delete env["DATABASE_URL"];
      const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { cwd: dir, env });
      let stderr = "";
      const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
      try {
        const [address, dashboard] = await new Promise<[string, string]>((resolve, reject) => {
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk;
            const match = /serving (http:\/\/\S+)\n {2}dashboard: (\S+)\n/.exec(stderr);
            if (match?.[1] !== undefined && match[2] !== undefined) resolve([match[1], match[2]]);
          });
          child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
        });
        expect(dashboard).toBe(`${address}/`);
        const res = await fetch(`${address}/datasets/1`, { headers: { accept: "text/html" } });
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(INDEX);
      } finally {
        child.kill("SIGTERM");
        await closed;
      }
    },
    CHILD_TIMEOUT_MS,
  );
});
