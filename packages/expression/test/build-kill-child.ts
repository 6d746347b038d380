// Child process of build-rebuild.test.ts: builds a store with OMICSLAKE_FAULT_KILL_AT set, so the process
// SIGKILLs itself at the named fault point as a crash or an OOM kill would.
// argv: <lake location JSON> <dataset> <fault point, e.g. expr-build.file-published:2>
const [locationJson, dataset, killAt] = process.argv.slice(2);
if (!locationJson || !dataset || !killAt) throw new Error("usage: <location> <dataset> <fault point>");
// Read once when the core module loads: set it before importing.
process.env["OMICSLAKE_FAULT_KILL_AT"] = killAt;
const { openLake } = await import("@omicslake/core");
const { buildExpressionStore } = await import("../src/build/build-expression-store.js");
const location = JSON.parse(locationJson) as Parameters<typeof openLake>[0] & { root: string };
const lake = await openLake(location);
await buildExpressionStore(lake, dataset, { workDir: location.root, memoryLimit: "256MB", threads: 1 });
await lake.close();
process.stdout.write("finished\n");
