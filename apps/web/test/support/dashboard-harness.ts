import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";

/**
 * One demo lake, one `omicslake demo` server serving a fresh build of the dashboard, and one Chromium for
 * the whole browser test run: the lake takes tens of seconds to build, so every page's tests share it.
 */
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const CLI = join(REPO, "apps/cli/dist/main.js");
const WEB = join(REPO, "apps/web");

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** True when the browser tests can run; on CI a missing Chromium is a failure, not a skip. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM) || process.env["CI"] === "true";

/** Screenshots of each page, for people to look at; the folder is ignored by git. */
export const SCREENSHOT_DIR = process.env["OMICSLAKE_SCREENSHOTS"] ?? join(REPO, ".scratch/screenshots");

/** What a page's elements offer the tests' in-page reads (the tests are compiled without the DOM's types). */
export interface Attributed {
  getAttribute(name: string): string | null;
}

export interface OpenedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions seen so far on this page. */
  readonly errors: string[];
  /** Fails with every console error seen, except those matching `allowed`. */
  expectNoErrors(allowed?: readonly RegExp[]): void;
  /** Writes `<name>.png` (the whole page) to the screenshot folder. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export interface Dashboard {
  readonly baseUrl: string;
  readonly configPath: string;
  readonly adminKey: string;
  readonly writeKey: string;
  readonly readKey: string;
  readonly browser: Browser;
  /** Opens `path` in a fresh browser context; with `key`, the dashboard starts with that key stored. */
  open(path: string, options?: { key?: string; width?: number; height?: number }): Promise<OpenedPage>;
  /** Calls the API directly (to compare what a page shows with what the API says). */
  api<T>(path: string, options?: { method?: string; body?: unknown; key?: string }): Promise<ApiAnswer<T>>;
  /** Runs the `omicslake` command against the demo lake. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * The demo lake's own environment: without `DATABASE_URL`, so its catalog is the embedded one in its own
 * folder. With it (CI sets it for the PostgreSQL tests), the demo would share a catalog with every other lake
 * in that database and find their records, whose objects are not in this lake's store.
 */
function lakeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env["DATABASE_URL"];
  return env;
}

function runCli(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: lakeEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function waitForAddress(child: ChildProcess, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const found = /omicslake is serving (http:\/\/\S+)/.exec(log());
      if (found) {
        child.stderr?.off("data", onData);
        resolve(found[1]!);
      }
    };
    child.stderr?.on("data", onData);
    child.on("exit", (code) =>
      reject(new Error(`omicslake demo exited with ${code} before serving:\n${log()}`)),
    );
  });
}

export interface RunningDashboard extends Dashboard {
  stop(): Promise<void>;
}

export async function startDashboard(): Promise<RunningDashboard> {
  const dir = await mkdtemp(join(tmpdir(), "omicslake-web-e2e-"));
  const webDir = join(dir, "web");
  // A fresh build of the current sources, so the test never runs a stale dashboard.
  await build({
    root: WEB,
    configFile: join(WEB, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir: webDir, emptyOutDir: true, sourcemap: false },
  });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  let log = "";
  const server = spawn(
    process.execPath,
    [CLI, "demo", "--dir", "lake", "--port", "0", "--host", "127.0.0.1"],
    {
      cwd: dir,
      env: lakeEnv({ OMICSLAKE_WEB_DIR: webDir }),
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  server.stderr.on("data", (d: Buffer) => (log += d.toString()));
  let browser: Browser | undefined;
  try {
    const baseUrl = await waitForAddress(server, () => log);
    const configPath = join(dir, "lake", "omicslake.toml");
    const key = async (name: string, scope: string): Promise<string> => {
      const created = await runCli(
        ["--config", configPath, "keys", "create", name, "--scope", scope, "--json"],
        dir,
      );
      if (created.code !== 0) throw new Error(`keys create failed: ${created.stderr}`);
      return (JSON.parse(created.stdout) as { secret: string }).secret;
    };
    const [adminKey, writeKey, readKey] = [
      await key("e2e-admin", "admin"),
      await key("e2e-write", "write"),
      await key("e2e-read", "read"),
    ];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    });
    const launched = browser;
    const contexts = new Set<BrowserContext>();
    const dashboard: RunningDashboard = {
      baseUrl,
      configPath,
      adminKey,
      writeKey,
      readKey,
      browser: launched,
      async open(path, options = {}) {
        const context = await launched.newContext({
          viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
        });
        contexts.add(context);
        // Safety nets for a loaded machine (CI runs two test files at once, and a materialization or a
        // backup started by one test keeps the embedded catalog busy): a wait ends as soon as its element
        // is there, so no outcome depends on speed.
        context.setDefaultTimeout(180_000);
        context.setDefaultNavigationTimeout(180_000);
        if (options.key !== undefined)
          // The same storage entry the dashboard writes when a user enters a key (the script runs in the page).
          await context.addInitScript({
            content: `localStorage.setItem("omicslake.apiKey", ${JSON.stringify(options.key)});`,
          });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error")
            errors.push(`console: ${message.text()} (${message.location().url})`);
        });
        page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
        await page.goto(baseUrl + path);
        return {
          page,
          errors,
          expectNoErrors(allowed = []) {
            const unexpected = errors.filter((e) => !allowed.some((a) => a.test(e)));
            if (unexpected.length > 0)
              throw new Error(`console errors on ${path}:\n${unexpected.join("\n")}`);
          },
          async screenshot(name) {
            await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
          },
          async close() {
            contexts.delete(context);
            await context.close();
          },
        };
      },
      async api<T>(path: string, options: { method?: string; body?: unknown; key?: string } = {}) {
        const headers: Record<string, string> = {};
        if (options.key) headers["authorization"] = `Bearer ${options.key}`;
        if (options.body !== undefined) headers["content-type"] = "application/json";
        const response = await fetch(baseUrl + path, {
          method: options.method ?? "GET",
          headers,
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
      },
      cli: (...args) => runCli(["--config", configPath, ...args], dir),
      async stop() {
        for (const context of contexts) await context.close().catch(() => undefined);
        await launched.close();
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
    return dashboard;
  } catch (error) {
    await browser?.close().catch(() => undefined);
    server.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
