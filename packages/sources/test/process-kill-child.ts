// Child process of process-kill.test.ts: runs "omicslake process" on the lake of the config in <dir> as the
// CLI would, with the tests' tree kind. The configured command SIGKILLs this process ($PPID of its shell)
// the first time it runs, mid-command, as a crash or an OOM kill would.
// argv: <dir>
import { join } from "node:path";
import { loadConfig, openLake } from "@omicslake/core";
import { addSourceKind } from "../src/kinds/source-kinds.js";
import { processDatasets, type ProcessHandlers } from "../src/processing/process-datasets.js";
import { TEST_TREE_KIND } from "./helpers/test-tree-kind.js";

const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: <dir>");
addSourceKind(TEST_TREE_KIND);
const config = await loadConfig({ file: join(dir, "omicslake.toml"), env: {} });
const lake = await openLake(config);
const unused = (): Promise<void> => Promise.reject(new Error("no built-in step is configured here"));
const handlers: ProcessHandlers = {
  parseMetadata: unused,
  convert: unused,
  expression: unused,
  consolidate: unused,
  snapshot: unused,
  load: unused,
};
try {
  const summary = await processDatasets(lake, config, { handlers, jobs: 1 });
  process.stdout.write(
    JSON.stringify(summary.steps.map(({ step, ran, skipped, failed }) => ({ step, ran, skipped, failed }))),
  );
} finally {
  await lake.close();
}
