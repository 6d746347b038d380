#!/usr/bin/env node
// The command's entry as npm links it. npm links a workspace's bin when `npm ci` runs, before `tsc -b`
// has written dist/, and skips a bin whose file does not exist yet; this tracked launcher exists from the
// start and loads the build, so `omicslake` is a command as soon as the project is installed and built.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'omicslake is not built yet: run "npm run build" in the project folder, then try again\n',
  );
  process.exit(1);
}
await import(main.href);
