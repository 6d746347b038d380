// The published build of an expression store as an engine takes it (a StoreBuild): store.json read from the
// lake, and every file it names copied once to a local directory through the lake's verifying reader.
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { STORE_POINTER, storeDatasetName } from "@omicslake/expression";

async function readText(lake, object) {
  const chunks = [];
  for await (const chunk of await lake.readObject(object)) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** `{ manifest, files }` of the current build of `name`'s store, files under `localDir`. */
export async function loadStoreBuild(lake, name, localDir) {
  const dataset = await lake.dataset(`curated:${storeDatasetName(name)}`);
  const manifest = JSON.parse(await readText(lake, await lake.catalog.getObject(dataset.id, STORE_POINTER)));
  const files = {};
  for (const [role, entry] of Object.entries(manifest.files)) {
    const path = join(localDir, entry.name);
    if (!existsSync(path) || statSync(path).size !== entry.size) {
      mkdirSync(dirname(path), { recursive: true });
      await pipeline(
        await lake.readObject(await lake.catalog.getObject(dataset.id, entry.name)),
        createWriteStream(path),
      );
    }
    files[role] = path;
  }
  return { manifest, files };
}
