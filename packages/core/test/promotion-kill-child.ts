// Child process of promotion-kill.test.ts: promotes a dataset and SIGKILLs itself at the named point,
// as a crash or an OOM kill would, so the test can check what is visible afterwards and what a rerun
// does. The kill points are reached by wrapping this process's own catalog and store (failure
// injection only); the lake's code is the real one.
// argv: <lake location JSON> <dataset ref> <target layer> <kill point>
//   kill points: "after-row-N" (N objects recorded), "after-publish-N" (the Nth object's bytes published,
//   its row not yet committed), "before-publish" (every object recorded, the target not yet published),
//   "never"
import type { Layer } from "../src/object-store/layer.js";
import { openLake } from "../src/lake/open-lake.js";
import type { LakeLocation } from "@omicslake/core/testing";

const [locationJson, ref, to, killAt] = process.argv.slice(2);
if (!locationJson || !ref || !to || !killAt)
  throw new Error("usage: <location> <dataset> <layer> <kill point>");
const lake = await openLake(JSON.parse(locationJson) as LakeLocation);
const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
};
const [, point, count] = /^(after-row|after-publish)-(\d+)$/.exec(killAt) ?? [];
let rows = 0;
let published = 0;
const catalog = lake.catalog;
const writeObject = catalog.writeObject.bind(catalog);
catalog.writeObject = async (write) => {
  const object = await writeObject(write);
  if (point === "after-row" && ++rows === Number(count)) die();
  return object;
};
const store = lake.store;
const publish = store.publish.bind(store);
store.publish = async (staged) => {
  const result = await publish(staged);
  if (point === "after-publish" && ++published === Number(count)) die();
  return result;
};
const publishDataset = catalog.publishDataset.bind(catalog);
catalog.publishDataset = (id, edge) => (killAt === "before-publish" ? die() : publishDataset(id, edge));
await lake.promote(ref, to as Layer);
await lake.close();
