// Runs every benchmark in this folder (or those named on the command line) one after another,
// each in its own process so one's memory does not colour the next's peak-RSS figure.
//   npm run bench                    # all
//   npm run bench -- xml-parsers mtx # a selection
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
// A benchmark with helper modules of its own lives in a folder of that name: <name>/<name>.bench.mjs.
const scripts = readdirSync(here, { withFileTypes: true })
  .map((e) => (e.isDirectory() ? join(e.name, `${e.name}.bench.mjs`) : e.name))
  .filter((f) => f.endsWith(".bench.mjs") && existsSync(join(here, f)))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n== ${script}\n`);
  const result = spawnSync(process.execPath, ["--expose-gc", join(here, script)], {
    stdio: "inherit",
    env: process.env,
  });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`!! ${script} exited with ${result.status}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
