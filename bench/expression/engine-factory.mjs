// The engines' constructors, taken from @omicslake/expression's index. While the index does not export one yet
// (the engines are wired into the service first), the built module of its folder is used instead and the report
// says so: the benchmark measures the engine either way.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../lib/bench-kit.mjs";

const NAMES = { duckdb: "createDuckDbEngine", clickhouse: "createClickHouseEngine" };

/** `{ create, from }`, or `{ missing }` saying why the engine cannot be benchmarked. */
export async function engineFactory(kind) {
  const name = NAMES[kind];
  const index = await import("@omicslake/expression");
  if (typeof index[name] === "function") return { create: index[name], from: "@omicslake/expression" };
  const built = join(repoRoot, "packages", "expression", "dist", "engine", kind, "index.js");
  if (existsSync(built)) {
    const module = await import(pathToFileURL(built).href);
    if (typeof module[name] === "function")
      return { create: module[name], from: `packages/expression/dist/engine/${kind}/index.js` };
  }
  return { missing: `@omicslake/expression has no ${name} (build it first: npx tsc -b)` };
}
