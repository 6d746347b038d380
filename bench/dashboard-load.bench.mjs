// The dashboard's weight and first-load time. Builds the app (bundle sizes, raw and gzip, per file), starts
// `omicslake demo` on a generated lake serving that build, then loads pages in Debian's Chromium with a cold
// cache (a new browser context per load) and reports, per page, the median time until the page shows its data
// (a page-specific element is visible) and the browser's own load event. The peer is the API reference at
// /docs, served by the same server to the same browser: the ratio says what the dashboard costs against
// the page the project already shipped.
// Needs: npx tsc -b (the CLI), apt-get install chromium. Env: BENCH_RUNS (default 7), CHROMIUM_PATH.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { build } from "vite";
import { median, repoRoot } from "./lib/bench-kit.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  process.exit(1);
}

// What "loaded" means per page: the first element that shows the page's data.
const PAGES = [
  { name: "overview", path: "/", ready: "[data-testid=chart-datasets-per-layer][data-ready=true]" },
  { name: "catalog", path: "/catalog", ready: "table tbody tr" },
  { name: "metadata", path: "/metadata?entity=sra/studies", ready: "table tbody tr" },
  {
    name: "expression",
    path: "/expression?dataset=demo-pbmc-counts&genes=CD3E,CD19",
    ready: "[data-ready=true]",
  },
  { name: "API reference (peer)", path: "/docs", ready: "body *:not(script)", peer: true },
];

const dir = await mkdtemp(join(tmpdir(), "omicslake-bench-web-"));
const webDir = join(dir, "web");
await build({
  root: join(repoRoot, "apps/web"),
  configFile: join(repoRoot, "apps/web/vite.config.ts"),
  logLevel: "warn",
  build: { outDir: webDir, emptyOutDir: true, sourcemap: false },
});

console.log("bundle (apps/web, production build):");
let firstLoadRaw = 0;
let firstLoadGzip = 0;
const indexHtml = await readFile(join(webDir, "index.html"), "utf8");
const files = [
  join(webDir, "index.html"),
  ...(await readdir(join(webDir, "static"))).map((f) => join(webDir, "static", f)),
];
for (const file of files) {
  const bytes = await readFile(file);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const name = file.slice(webDir.length + 1);
  // What a first visit downloads: the HTML and what it links; the rest (Plotly) loads with the first chart.
  const initial = name === "index.html" || indexHtml.includes(name);
  if (initial) {
    firstLoadRaw += bytes.length;
    firstLoadGzip += gzip;
  }
  console.log(
    `  ${name.padEnd(44)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  gzip ${(gzip / 1024).toFixed(1).padStart(7)} KiB${initial ? "  (first load)" : ""}`,
  );
}
console.log(
  `  first load: ${(firstLoadRaw / 1024).toFixed(1)} KiB, ${(firstLoadGzip / 1024).toFixed(1)} KiB gzip`,
);

const load = loadavg()[0];
// The demo lake keeps its own embedded catalog: a DATABASE_URL in the environment (set for the PostgreSQL
// tests) would point it at a shared catalog holding other lakes' records.
const { DATABASE_URL: _unused, ...demoEnv } = process.env;
let log = "";
const server = spawn(
  process.execPath,
  [join(repoRoot, "apps/cli/dist/main.js"), "demo", "--dir", "lake", "--port", "0"],
  {
    cwd: dir,
    env: { ...demoEnv, OMICSLAKE_WEB_DIR: webDir },
    stdio: ["ignore", "ignore", "pipe"],
  },
);
server.stderr.on("data", (d) => (log += d.toString()));
const baseUrl = await new Promise((resolve, reject) => {
  server.stderr.on("data", () => {
    const found = /omicslake is serving (http:\/\/\S+)/.exec(log);
    if (found) resolve(found[1]);
  });
  server.on("exit", (code) => reject(new Error(`demo exited ${code}:\n${log}`)));
});

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
const results = [];
try {
  for (const target of PAGES) {
    const shown = [];
    const loaded = [];
    // One warm-up load so the server's own first-request costs (opening the expression engine) are not counted.
    for (let run = -1; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const start = Date.now();
      await page.goto(baseUrl + target.path, { waitUntil: "load" });
      const loadMs = Date.now() - start;
      await page.locator(target.ready).first().waitFor({ state: "visible", timeout: 60_000 });
      const shownMs = Date.now() - start;
      if (run >= 0) {
        shown.push(shownMs);
        loaded.push(loadMs);
      }
      await context.close();
    }
    results.push({ target, shown: median(shown), loaded: median(loaded) });
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));
  await rm(dir, { recursive: true, force: true });
}

const peer = results.find((r) => r.target.peer);
console.log(
  `\nfirst load, cold cache, median of ${RUNS} (load average ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after):`,
);
console.log(
  `  ${"page".padEnd(24)} ${"data shown".padStart(11)} ${"load event".padStart(11)} ${"vs peer".padStart(8)}`,
);
for (const r of results)
  console.log(
    `  ${r.target.name.padEnd(24)} ${`${r.shown} ms`.padStart(11)} ${`${r.loaded} ms`.padStart(11)} ${peer ? `${(r.shown / peer.shown).toFixed(2)}×`.padStart(8) : ""}`,
  );
