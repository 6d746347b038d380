// Child process of reprocess-kill.test.ts: reprocesses the "sra" dataset of a lake and SIGKILLs itself just
// before its Nth publication, as a crash or an OOM kill would, so the test can check what a rerun finds.
// argv: <lake root> <database url> <schema> <kill before this many publications | "never">
import { join } from "node:path";
import { openLake } from "@omicslake/core";
import { reprocessConfigured } from "../src/processing/reprocess-configured.js";

const [root, url, schema, killAt] = process.argv.slice(2);
if (!root || !url || !schema || !killAt) throw new Error("usage: <root> <url> <schema> <publications|never>");
const lake = await openLake({
  root,
  storage: { url: `file://${join(root, "objects")}` },
  database: { url, schema },
});
let published = 0;
const [outcome] = await reprocessConfigured(
  lake,
  {
    // Nothing listens on port 9: reprocessing must not need the upstream.
    sources: { sra: { kind: "sra", url: "http://127.0.0.1:9/sra/reports/" } },
    datasets: { sra: { source: "sra", role: "metadata" } },
    dataModel: {},
  },
  ["sra"],
  {
    beforePublish: () => {
      if (killAt !== "never" && ++published >= Number(killAt)) process.kill(process.pid, "SIGKILL");
    },
  },
);
await lake.close();
if (outcome?.error !== undefined) {
  throw outcome.error instanceof Error ? outcome.error : new Error(JSON.stringify(outcome.error));
}
