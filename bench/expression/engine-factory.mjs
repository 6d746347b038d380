// The engines' constructors, from @omicslake/expression's index; an engine the built package lacks is reported
// as skipped with the reason instead of failing the whole run.
const NAMES = { duckdb: "createDuckDbEngine", clickhouse: "createClickHouseEngine" };

/** `{ create, from }`, or `{ missing }` saying why the engine cannot be benchmarked. */
export async function engineFactory(kind) {
  const name = NAMES[kind];
  const index = await import("@omicslake/expression");
  if (typeof index[name] === "function") return { create: index[name], from: "@omicslake/expression" };
  return { missing: `@omicslake/expression has no ${name} (build it first: npx tsc -b)` };
}
