import { sqlString, type DuckDbSession } from "../duckdb-session.js";
import {
  RAW_SUFFIX,
  isRecordKind,
  quoteIdentifier,
  rawTextColumns,
  recordColumns,
} from "../processing/duckdb-column-types.js";

/**
 * A relation over the processed files of a kind, with the record's columns in their current types.
 * Files written under older schema versions are read by column name and coerced: a count an older
 * release wrote as DOUBLE becomes BIGINT, a date it wrote as text becomes a DATE or timestamp (its text
 * kept in `{name}_raw` when it does not parse), and a column it lacked is NULL. With no file at all, an
 * empty relation with the record's columns keeps the SQL valid and the curated table typed.
 */
export async function processedInputRelation(
  duck: DuckDbSession,
  kind: string,
  files: readonly string[],
): Promise<string> {
  const view = `input_${kind}`;
  const columns = isRecordKind(kind) ? recordColumns(kind) : [];
  const extra = [
    { name: "_source", type: "VARCHAR" },
    { name: "_order", type: "VARCHAR" },
    { name: "_line", type: "BIGINT" },
  ];
  if (files.length === 0) {
    const typed = [
      ...columns.map((c) => `NULL::${c.type} AS ${quoteIdentifier(c.name)}`),
      ...(isRecordKind(kind) ? rawTextColumns(kind) : []).map(
        (name) => `NULL::VARCHAR AS ${quoteIdentifier(name)}`,
      ),
      ...extra.map((c) => `NULL::${c.type} AS ${c.name}`),
    ];
    await duck.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT ${typed.join(", ")} WHERE false`);
    return view;
  }
  const source = `read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`;
  if (columns.length === 0) {
    // A kind the record schemas do not know keeps every column as read.
    await duck.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT * FROM ${source}`);
    return view;
  }
  const present = new Map(
    (await duck.rows(`DESCRIBE SELECT * FROM ${source}`)).map((c) => [
      String(c["column_name"]),
      String(c["column_type"]),
    ]),
  );
  // DuckDB's spelling of each expected type, to compare with what the files hold.
  const expected = new Map(
    (
      await duck.rows(
        `DESCRIBE SELECT ${columns.map((c) => `NULL::${c.type} AS ${quoteIdentifier(c.name)}`).join(", ")}`,
      )
    ).map((c) => [String(c["column_name"]), String(c["column_type"])]),
  );
  const select: string[] = [];
  for (const c of columns) {
    const id = quoteIdentifier(c.name);
    const found = present.get(c.name);
    select.push(
      found === undefined
        ? `NULL::${c.type} AS ${id}`
        : found === expected.get(c.name)
          ? id
          : `TRY_CAST(${id} AS ${c.type}) AS ${id}`,
    );
  }
  for (const c of columns.filter((col) => col.temporal !== undefined)) {
    const id = quoteIdentifier(c.name);
    const raw = quoteIdentifier(`${c.name}${RAW_SUFFIX}`);
    // Files of an older release kept the date as text and have no `_raw` column: derive it from the
    // text (mixed with newer files, the union reads the column as text and only newer rows have `_raw`).
    const derived = `CASE WHEN TRY_CAST(${id} AS ${c.type}) IS NULL THEN nullif(trim(${id}), '') END`;
    const hasRaw = present.has(`${c.name}${RAW_SUFFIX}`);
    const fromText = present.get(c.name) === "VARCHAR";
    select.push(
      fromText
        ? `${hasRaw ? `coalesce(${raw}, ${derived})` : derived} AS ${raw}`
        : hasRaw
          ? raw
          : `NULL::VARCHAR AS ${raw}`,
    );
  }
  for (const c of extra) select.push(present.has(c.name) ? c.name : `NULL::${c.type} AS ${c.name}`);
  await duck.run(`CREATE OR REPLACE TEMP VIEW ${view} AS SELECT ${select.join(", ")} FROM ${source}`);
  return view;
}
