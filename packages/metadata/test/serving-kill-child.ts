// Child process of serving-kill.test.ts: loads one entity and SIGKILLs itself at the requested point, as a
// crash or an OOM kill would, so the test can check what a rerun finds.
// argv: <database url> <schema> <entity> <parquet> <kill after this many rows | "never">
import { openSqlClient } from "@omicslake/core";
import { loadEntity } from "../src/serving/serving-loader.js";
import type { ServingEntityName } from "../src/entities/index.js";

const [url, schema, entity, parquet, killAt] = process.argv.slice(2);
if (!url || !schema || !entity || !parquet || !killAt)
  throw new Error("usage: <url> <schema> <entity> <parquet> <rows|never>");
const db = await openSqlClient({ url, schema });
await loadEntity(db, entity as ServingEntityName, parquet, {
  batchRows: 10,
  onProgress: ({ done }) => {
    if (killAt !== "never" && done >= Number(killAt)) process.kill(process.pid, "SIGKILL");
  },
});
await db.close();
