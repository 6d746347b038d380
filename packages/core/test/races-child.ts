// Child process of races.test.ts: opens a lake another process also writes to and writes every named
// object once, printing one JSON line per object with the outcome, so the test can check that a write
// decision holds across processes, not just within one.
// argv: <lake location JSON> <dataset> <"add" | "put"> <writer tag> <object names, comma-separated>
import { openLake } from "../src/lake/open-lake.js";
import { OmicslakeError } from "../src/errors/omicslake-error.js";
import type { LakeLocation } from "@omicslake/core/testing";

const [locationJson, dataset, mode, tag, names] = process.argv.slice(2);
if (!locationJson || !dataset || !mode || !tag || !names)
  throw new Error("usage: <location> <dataset> <add|put> <tag> <names>");
const location = JSON.parse(locationJson) as LakeLocation;
const lake = await openLake(location);
try {
  await Promise.all(
    names.split(",").map(async (name) => {
      const body = `${tag}:${name}:`.repeat(2000);
      try {
        const object =
          mode === "add"
            ? await lake.addObject(dataset, { name, body })
            : await lake.putObject(dataset, { name, body });
        process.stdout.write(`${JSON.stringify({ name, ok: true, sha256: object.sha256 })}\n`);
      } catch (error) {
        const code = error instanceof OmicslakeError ? error.code : `untyped: ${String(error)}`;
        process.stdout.write(`${JSON.stringify({ name, ok: false, code })}\n`);
      }
    }),
  );
} finally {
  await lake.close();
}
