import type { DuckDbSession } from "@omicslake/core";
import { sqlIdentifier, sqlString } from "@omicslake/core";
import { renameRepeats } from "../names/make-unique.js";

/**
 * Makes the names in `table.base` unique (R's make.unique) into a new table `target(idx, name)` with one row
 * per entry. Only the repeated names and the names that could collide with a suffix reach Node: a million
 * unique barcodes stay in DuckDB.
 */
export async function uniqueNameTable(duck: DuckDbSession, table: string, target: string): Promise<number> {
  const t = sqlIdentifier(table);
  await duck.run(
    `CREATE TEMP TABLE repeated_names AS SELECT base FROM ${t} GROUP BY base HAVING count(*) > 1`,
  );
  const occurrences = (await duck.rows(
    `SELECT idx, base FROM ${t} WHERE base IN (SELECT base FROM repeated_names) ORDER BY idx`,
  )) as { idx: number; base: string }[];
  // Candidates `name.<n>` that already exist: the only names outside the repeats the renaming can meet.
  const taken = new Set(
    (
      (await duck.rows(
        `SELECT DISTINCT base FROM ${t}
         WHERE regexp_extract(base, '^(.*)\\.[0-9]+$', 1) IN (SELECT base FROM repeated_names)`,
      )) as { base: string }[]
    ).map((row) => row.base),
  );
  for (const row of occurrences) taken.add(row.base);
  const renamed = renameRepeats(
    occurrences.map((row) => ({ index: Number(row.idx), name: row.base })),
    (candidate) => taken.has(candidate),
  );
  await duck.run(`DROP TABLE repeated_names`);
  await duck.run(`CREATE TEMP TABLE renamed_names (idx INTEGER, name VARCHAR)`);
  const entries = [...renamed.entries()];
  for (let i = 0; i < entries.length; i += 1000) {
    const chunk = entries.slice(i, i + 1000);
    await duck.run(
      `INSERT INTO renamed_names VALUES ${chunk.map(([idx, name]) => `(${idx}, ${sqlString(name)})`).join(", ")}`,
    );
  }
  await duck.run(
    `CREATE TEMP TABLE ${sqlIdentifier(target)} AS
     SELECT b.idx, coalesce(r.name, b.base) AS name FROM ${t} b LEFT JOIN renamed_names r USING (idx)`,
  );
  await duck.run(`DROP TABLE renamed_names`);
  return renamed.size;
}
