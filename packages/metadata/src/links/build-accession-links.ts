import { sqlString, type DuckDbSession } from "../duckdb-session.js";
import { duckdbPattern } from "./accession-types.js";
import { LINK_RULES, type LinkRule } from "./link-rules.js";

/** The curated table of links, in curated, the snapshot, DuckLake and serving. */
export const ACCESSION_LINKS_TABLE = "accession_links";

export interface AccessionLinksBuild {
  readonly rows: number;
  /** `relation (source)` of each rule that ran. */
  readonly applied: readonly string[];
  /** Rules left out, each with why (a table or column absent at build time). */
  readonly skipped: readonly { readonly rule: string; readonly reason: string }[];
}

/**
 * Writes the `accession_links` Parquet from the curated tables visible in `duck` (views or tables named
 * after their entity): every rule whose tables and columns exist, each link in both directions, one row
 * per (from, to, relation) with the fields it was read from joined in `source`, ordered by from, to and
 * relation so the same curated input always gives the same bytes.
 *
 * Columns: from_accession, from_type, to_accession, to_type, relation, source.
 */
export async function buildAccessionLinks(
  duck: DuckDbSession,
  file: string,
  rules: readonly LinkRule[] = LINK_RULES,
): Promise<AccessionLinksBuild> {
  const columns = await tableColumns(duck);
  const applied: LinkRule[] = [];
  const skipped: { rule: string; reason: string }[] = [];
  for (const rule of rules) {
    const missing = Object.entries(rule.requires).flatMap(([table, needed]) => {
      const have = columns.get(table);
      if (have === undefined) return [`table ${table} is absent`];
      return needed.filter((c) => !have.has(c)).map((c) => `column ${table}.${c} is absent`);
    });
    if (missing.length > 0) skipped.push({ rule: label(rule), reason: missing.join("; ") });
    else applied.push(rule);
  }
  const edges = applied.map((rule) => {
    const side = (name: "a" | "b"): string => `upper(trim(CAST(${name} AS VARCHAR)))`;
    return `SELECT ${side("a")} AS a, ${sqlString(rule.from)} AS a_type, ${side("b")} AS b, ${sqlString(rule.to)} AS b_type, ${sqlString(rule.relation)} AS relation, ${sqlString(rule.source)} AS source FROM (${rule.sql})`;
  });
  const empty =
    "SELECT NULL::VARCHAR AS a, NULL::VARCHAR AS a_type, NULL::VARCHAR AS b, NULL::VARCHAR AS b_type, NULL::VARCHAR AS relation, NULL::VARCHAR AS source WHERE false";
  const types = [...new Set(applied.flatMap((r) => [r.from, r.to]))];
  // Each side must look like an accession of its declared type: free text, URLs or a GSM in a GSE field
  // never become links of the wrong kind.
  const typed = types.length
    ? `(${types.map((t) => `(a_type = ${sqlString(t)} AND regexp_full_match(a, ${sqlString(duckdbPattern(t))}))`).join(" OR ")}) AND (${types.map((t) => `(b_type = ${sqlString(t)} AND regexp_full_match(b, ${sqlString(duckdbPattern(t))}))`).join(" OR ")})`
    : "false";
  const sql = `
WITH edges AS (
  ${[...edges, empty].join("\n  UNION ALL\n  ")}
), valid AS (
  SELECT * FROM edges WHERE a IS NOT NULL AND b IS NOT NULL AND a <> b AND ${typed}
), both_ways AS (
  SELECT a AS from_accession, a_type AS from_type, b AS to_accession, b_type AS to_type, relation, source FROM valid
  UNION ALL
  SELECT b, b_type, a, a_type, relation, source FROM valid
)
SELECT from_accession, from_type, to_accession, to_type, relation,
  array_to_string(list_sort(list_distinct(list(source))), ',') AS source
FROM both_ways
GROUP BY from_accession, from_type, to_accession, to_type, relation
ORDER BY from_accession, to_accession, relation`;
  await duck.run(
    `COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
  );
  const [{ rows }] = (await duck.rows(
    `SELECT count(*)::BIGINT AS rows FROM read_parquet(${sqlString(file)})`,
  )) as [{ rows: number }];
  return { rows: Number(rows), applied: applied.map(label), skipped };
}

function label(rule: LinkRule): string {
  return `${rule.relation} (${rule.source})`;
}

/** The tables and views of the session's main schema with their columns. */
async function tableColumns(duck: DuckDbSession): Promise<Map<string, Set<string>>> {
  const rows = await duck.rows(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'",
  );
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    const table = String(row["table_name"]);
    let set = out.get(table);
    if (!set) out.set(table, (set = new Set()));
    set.add(String(row["column_name"]));
  }
  return out;
}
