import { join } from "node:path";
import type { DuckDbSession } from "@omicslake/core";
import { OmicslakeError, sqlIdentifier as id, sqlString as str } from "@omicslake/core";
import {
  CELL_KEY_COLUMNS,
  GENE_KEY_COLUMNS,
  STORE_FILES,
  type StoreColumn,
  type StoreFileRole,
  type StoreManifest,
  type StoreValueType,
} from "../store/store-layout.js";
import type { AxisTable, ProcessedSource } from "./processed-source.js";
import { uniqueNameTable } from "./unique-name-table.js";

/** Local files of the objects a build reads, by object name. */
export type LocalPaths = ReadonlyMap<string, string>;

export interface WrittenStore {
  readonly files: { readonly [K in StoreFileRole]?: { readonly path: string; readonly rows: number } };
  readonly counts: StoreManifest["counts"];
  readonly valueType: StoreValueType;
  readonly groupBy: string | null;
  readonly groups: StoreManifest["groups"];
  readonly cellsWithoutGroup: number;
  readonly geneColumns: readonly StoreColumn[];
  readonly cellColumns: readonly StoreColumn[];
  readonly duplicateSymbols: Record<string, string[]>;
}

export interface WriteStoreOptions {
  /** The group column; undefined: `cell_type` when the cells have it. */
  readonly by?: string | undefined;
  /** Rows per Parquet row group of the value files: small enough that one gene or group reads few. */
  readonly rowGroupSize?: number;
  /** Called between the phases, so a cancelled build stops at the next one. */
  readonly checkpoint?: (phase: string) => void;
}

const PARQUET = (rowGroupSize: number): string =>
  `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`;

/**
 * Writes a build's files into `dir` with DuckDB, every step a scan, a hash aggregate or an external sort, so
 * memory is bounded by the session's memory_limit whatever the matrix's size. The value files are written
 * sorted by cell first (the renumbering join streams once), then re-sorted by gene from that file.
 */
export async function writeStoreFiles(
  duck: DuckDbSession,
  source: ProcessedSource,
  paths: LocalPaths,
  dir: string,
  options: WriteStoreOptions = {},
): Promise<WrittenStore> {
  const check = options.checkpoint ?? (() => undefined);
  const rowGroupSize = options.rowGroupSize ?? 122_880;
  const local = (name: string): string => {
    const path = paths.get(name);
    if (path === undefined) throw new Error(`writeStoreFiles: ${name} was not downloaded`);
    return path;
  };
  // A DuckDB list of the matrix's files (several when the conversion wrote it in parts).
  const valuesFile = `[${source.values.objects.map((o) => str(local(o.name))).join(", ")}]`;
  const valueType = await valueTypeOf(duck, valuesFile, source);
  await duck.run(
    `CREATE TEMP VIEW src_values AS
     SELECT CAST(${id(source.values.geneColumn)} AS INTEGER) AS gene_idx,
            CAST(${id(source.values.cellColumn)} AS INTEGER) AS source_cell_idx,
            CAST(value AS ${valueType}) AS value
     FROM read_parquet(${valuesFile}) WHERE value <> 0`,
  );
  const extent = (
    await duck.rows(
      `SELECT count(*) AS n, min(gene_idx) AS g0, max(gene_idx) AS g1,
              min(source_cell_idx) AS c0, max(source_cell_idx) AS c1 FROM src_values`,
    )
  )[0] as { n: number; g0: number | null; g1: number | null; c0: number | null; c1: number | null };
  check("scan");

  const geneCount = await createSourceGenes(duck, source, local, extent.g1);
  const cellCount = await createSourceCells(duck, source, local, extent.c1);
  if (
    (extent.g0 ?? 0) < 0 ||
    (extent.g1 ?? -1) >= geneCount ||
    (extent.c0 ?? 0) < 0 ||
    (extent.c1 ?? -1) >= cellCount
  ) {
    throw new OmicslakeError(
      "not_a_matrix",
      `${source.values.object.name} has indexes outside its ${geneCount} genes x ${cellCount} cells: genes ${extent.g0}..${extent.g1}, cells ${extent.c0}..${extent.c1}`,
      {
        details: { object: source.values.object.name, genes: geneCount, cells: cellCount },
        hint: "Convert the matrix again; its gene and cell tables do not match the values",
      },
    );
  }

  // ---- cells: group order, unique names --------------------------------------------------------
  const metadata = await columnsOf(duck, "src_cells", ["source_cell_idx", "cell_name"]);
  const groupBy = chooseGroup(options.by, metadata);
  await duck.run(
    groupBy === null
      ? `CREATE TEMP TABLE cell_map AS
         SELECT source_cell_idx, source_cell_idx AS cell_idx, CAST(NULL AS VARCHAR) AS grp FROM src_cells`
      : `CREATE TEMP TABLE cell_map AS
         SELECT source_cell_idx,
                CAST(row_number() OVER (ORDER BY ${id(groupBy)} NULLS LAST, source_cell_idx) - 1 AS INTEGER) AS cell_idx,
                CAST(${id(groupBy)} AS VARCHAR) AS grp
         FROM src_cells`,
  );
  const groups = (
    (await duck.rows(
      `SELECT grp, count(*) AS cells, min(cell_idx) AS first_cell, max(cell_idx) AS last_cell
       FROM cell_map WHERE grp IS NOT NULL GROUP BY grp ORDER BY first_cell`,
    )) as { grp: string; cells: number; first_cell: number; last_cell: number }[]
  ).map((g) => ({ value: g.grp, cells: g.cells, firstCell: g.first_cell, lastCell: g.last_cell }));
  for (const g of groups) {
    if (g.lastCell - g.firstCell + 1 !== g.cells) {
      // Values of one type print distinctly, so this is a bug, not bad input: the store promises one range per group.
      throw new Error(`writeStoreFiles: group "${g.value}" of "${groupBy}" is not one contiguous cell range`);
    }
  }
  const cellsWithoutGroup =
    groupBy === null ? cellCount : cellCount - groups.reduce((sum, g) => sum + g.cells, 0);
  await duck.run(
    `CREATE TEMP TABLE cell_bases AS
     SELECT source_cell_idx AS idx, coalesce(cell_name, CAST(source_cell_idx AS VARCHAR)) AS base FROM src_cells`,
  );
  await uniqueNameTable(duck, "cell_bases", "cell_names");
  check("cells");

  const files: Record<string, { path: string; rows: number }> = {};
  const out = (role: StoreFileRole): string => join(dir, STORE_FILES[role]);
  const parquet = PARQUET(rowGroupSize);

  await duck.run(
    `COPY (SELECT m.cell_idx, n.name AS cell, c.source_cell_idx${metadata.map((m) => `, c.${id(m.name)}`).join("")}
           FROM cell_map m JOIN src_cells c USING (source_cell_idx) JOIN cell_names n ON n.idx = c.source_cell_idx
           ORDER BY m.cell_idx)
     TO ${str(out("cells"))} ${parquet}`,
  );
  files["cells"] = { path: out("cells"), rows: cellCount };

  // ---- values, by cell then by gene --------------------------------------------------------------
  const renumbered =
    groupBy === null
      ? `SELECT gene_idx, source_cell_idx AS cell_idx, value FROM src_values`
      : `SELECT v.gene_idx, m.cell_idx, v.value FROM src_values v JOIN cell_map m USING (source_cell_idx)`;
  await duck.run(
    // Both keys, though queries only need a cell's nonzeros together: with one key DuckDB's parallel sort leaves
    // ties in any order, and a build rerun after a crash must write the same bytes.
    `COPY (${renumbered} ORDER BY cell_idx, gene_idx) TO ${str(out("valuesByCell"))} ${parquet}`,
  );
  files["valuesByCell"] = { path: out("valuesByCell"), rows: extent.n };
  check("values by cell");
  await duck.run(
    `COPY (SELECT gene_idx, cell_idx, value FROM read_parquet(${str(out("valuesByCell"))}) ORDER BY gene_idx, cell_idx)
     TO ${str(out("valuesByGene"))} ${parquet}`,
  );
  files["valuesByGene"] = { path: out("valuesByGene"), rows: extent.n };
  check("values by gene");

  // ---- statistics ---------------------------------------------------------------------------------
  const stats = `count(*)::BIGINT AS n_expressing, sum(v.value::DOUBLE) AS sum,
                 var_pop(v.value::DOUBLE) * count(*) AS m2,
                 min(v.value)::DOUBLE AS min_value, max(v.value)::DOUBLE AS max_value`;
  await duck.run(
    `CREATE TEMP TABLE gene_stats AS
     SELECT v.gene_idx, ${stats} FROM read_parquet(${str(out("valuesByGene"))}) v GROUP BY v.gene_idx`,
  );
  await duck.run(
    `CREATE TEMP TABLE gene_bases AS
     SELECT source_gene_idx AS idx, coalesce(symbol, gene_id, 'gene' || source_gene_idx) AS base FROM src_genes`,
  );
  await uniqueNameTable(duck, "gene_bases", "gene_names");
  const geneExtras = await columnsOf(duck, "src_genes", ["source_gene_idx", "gene_id", "symbol"]);
  await duck.run(
    `COPY (SELECT g.source_gene_idx AS gene_idx, n.name AS gene, g.gene_id, g.symbol,
                  coalesce(s.n_expressing, 0)::BIGINT AS n_expressing, coalesce(s.sum, 0)::DOUBLE AS sum,
                  coalesce(s.m2, 0)::DOUBLE AS m2, s.min_value, s.max_value
                  ${geneExtras.map((c) => `, g.${id(c.name)}`).join("")}
           FROM src_genes g JOIN gene_names n ON n.idx = g.source_gene_idx
           LEFT JOIN gene_stats s ON s.gene_idx = g.source_gene_idx
           ORDER BY g.source_gene_idx)
     TO ${str(out("genes"))} ${parquet}`,
  );
  files["genes"] = { path: out("genes"), rows: geneCount };
  const duplicateSymbols: Record<string, string[]> = {};
  for (const row of (await duck.rows(
    `SELECT symbol, list(gene ORDER BY gene_idx) AS names FROM read_parquet(${str(out("genes"))})
     WHERE symbol IS NOT NULL GROUP BY symbol HAVING count(*) > 1 ORDER BY symbol`,
  )) as { symbol: string; names: string[] }[]) {
    duplicateSymbols[row.symbol] = [...row.names];
  }
  check("genes");

  if (groupBy !== null) {
    await duck.run(
      `CREATE TEMP TABLE group_sizes AS SELECT grp, count(*)::BIGINT AS n_cells FROM cell_map WHERE grp IS NOT NULL GROUP BY grp`,
    );
    await duck.run(
      `COPY (SELECT m.grp AS group_value, v.gene_idx, any_value(z.n_cells) AS n_cells, ${stats}
             FROM read_parquet(${str(out("valuesByCell"))}) v
             JOIN cell_map m ON m.cell_idx = v.cell_idx
             JOIN group_sizes z ON z.grp = m.grp
             GROUP BY m.grp, v.gene_idx ORDER BY min(v.cell_idx), v.gene_idx)
       TO ${str(out("groupStats"))} ${parquet}`,
    );
    const rows = (
      await duck.rows(`SELECT count(*) AS n FROM read_parquet(${str(out("groupStats"))})`)
    )[0] as {
      n: number;
    };
    files["groupStats"] = { path: out("groupStats"), rows: rows.n };
  }
  check("group statistics");

  return {
    files,
    counts: { genes: geneCount, cells: cellCount, nonzeros: extent.n },
    valueType,
    groupBy,
    groups,
    cellsWithoutGroup,
    geneColumns: await describe(duck, out("genes")),
    cellColumns: await describe(duck, out("cells")),
    duplicateSymbols,
  };
}

/** The store's value type: the source's own, widened to one of the four the layout allows. */
async function valueTypeOf(
  duck: DuckDbSession,
  file: string,
  source: ProcessedSource,
): Promise<StoreValueType> {
  const described = (await duck.rows(`DESCRIBE SELECT value FROM read_parquet(${file})`))[0] as
    { column_type: string } | undefined;
  const type = described?.column_type ?? "";
  if (["TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "BOOLEAN"].includes(type)) return "INTEGER";
  if (["BIGINT", "UINTEGER", "HUGEINT", "UBIGINT"].includes(type)) return "BIGINT";
  if (type === "FLOAT") return "FLOAT";
  if (type === "DOUBLE" || type.startsWith("DECIMAL")) return "DOUBLE";
  throw new OmicslakeError(
    "not_a_matrix",
    `${source.values.object.name}: the value column is ${type || "missing"}, not a number`,
    { details: { object: source.values.object.name, type }, hint: "An expression matrix holds numbers" },
  );
}

/** `src_genes(source_gene_idx, gene_id, symbol, …other columns)`; returns the gene count. */
async function createSourceGenes(
  duck: DuckDbSession,
  source: ProcessedSource,
  local: (name: string) => string,
  maxIndex: number | null,
): Promise<number> {
  const table = source.genes;
  if (table !== undefined) {
    const file = str(local(table.object.name));
    const columns = (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${file})`)).map(
      (r) => (r as { column_name: string }).column_name,
    );
    let idExpr = "NULL::VARCHAR";
    let symbolExpr = "NULL::VARCHAR";
    const used = new Set([table.indexColumn]);
    const col = (c: string): string => `CAST(${id(c)} AS VARCHAR)`;
    if (table.symbolColumn) {
      symbolExpr = col(table.symbolColumn);
      used.add(table.symbolColumn);
      const idColumn = table.idColumn ?? table.nameColumn;
      if (idColumn) {
        idExpr = col(idColumn);
        used.add(idColumn);
      }
    } else if (table.idColumn) {
      idExpr = col(table.idColumn);
      used.add(table.idColumn);
      if (table.nameColumn) {
        symbolExpr = col(table.nameColumn);
        used.add(table.nameColumn);
      }
    } else if (table.nameColumn) {
      used.add(table.nameColumn);
      const isId = await looksLikeGeneIds(
        duck,
        `SELECT ${col(table.nameColumn)} AS x FROM read_parquet(${file})`,
      );
      if (isId) idExpr = col(table.nameColumn);
      else symbolExpr = col(table.nameColumn);
    }
    const extras = columns.filter((c) => !used.has(c));
    await duck.run(
      `CREATE TEMP TABLE src_genes AS
       SELECT CAST(${id(table.indexColumn)} AS INTEGER) AS source_gene_idx, ${idExpr} AS gene_id, ${symbolExpr} AS symbol
              ${extras.map((c) => `, ${id(c)} AS ${id(prefixed(c, GENE_KEY_COLUMNS, "var_"))}`).join("")}
       FROM read_parquet(${file})`,
    );
  } else if (source.labels?.gene !== undefined) {
    await labelTable(
      duck,
      "src_genes_labels",
      str(local(source.values.object.name)),
      source.labels.gene,
      source.values.geneColumn,
      source.shape?.genes,
    );
    const isId = await looksLikeGeneIds(duck, `SELECT label AS x FROM src_genes_labels`);
    await duck.run(
      `CREATE TEMP TABLE src_genes AS
       SELECT idx AS source_gene_idx, ${isId ? "label" : "NULL::VARCHAR"} AS gene_id, ${isId ? "NULL::VARCHAR" : "label"} AS symbol
       FROM src_genes_labels`,
    );
  } else {
    const n = source.shape?.genes ?? (maxIndex ?? -1) + 1;
    await duck.run(
      `CREATE TEMP TABLE src_genes AS
       SELECT CAST(range AS INTEGER) AS source_gene_idx, NULL::VARCHAR AS gene_id, NULL::VARCHAR AS symbol FROM range(${n})`,
    );
  }
  return checkContiguous(duck, "src_genes", "source_gene_idx", source.genes?.object.name ?? "genes");
}

/** `src_cells(source_cell_idx, cell_name, …metadata)`; returns the cell count. */
async function createSourceCells(
  duck: DuckDbSession,
  source: ProcessedSource,
  local: (name: string) => string,
  maxIndex: number | null,
): Promise<number> {
  const table: AxisTable | undefined = source.cells;
  if (table !== undefined) {
    const file = str(local(table.object.name));
    const columns = (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${file})`)).map(
      (r) => (r as { column_name: string }).column_name,
    );
    const extras = columns.filter((c) => c !== table.indexColumn && c !== table.nameColumn);
    await duck.run(
      `CREATE TEMP TABLE src_cells AS
       SELECT CAST(${id(table.indexColumn)} AS INTEGER) AS source_cell_idx,
              ${table.nameColumn ? `CAST(${id(table.nameColumn)} AS VARCHAR)` : "NULL::VARCHAR"} AS cell_name
              ${extras.map((c) => `, ${id(c)} AS ${id(prefixed(c, CELL_KEY_COLUMNS, "obs_"))}`).join("")}
       FROM read_parquet(${file})`,
    );
  } else if (source.labels?.cell !== undefined) {
    await labelTable(
      duck,
      "src_cells_labels",
      str(local(source.values.object.name)),
      source.labels.cell,
      source.values.cellColumn,
      source.shape?.cells,
    );
    await duck.run(
      `CREATE TEMP TABLE src_cells AS SELECT idx AS source_cell_idx, label AS cell_name FROM src_cells_labels`,
    );
  } else {
    const n = source.shape?.cells ?? (maxIndex ?? -1) + 1;
    await duck.run(
      `CREATE TEMP TABLE src_cells AS SELECT CAST(range AS INTEGER) AS source_cell_idx, NULL::VARCHAR AS cell_name FROM range(${n})`,
    );
  }
  return checkContiguous(duck, "src_cells", "source_cell_idx", source.cells?.object.name ?? "cells");
}

/**
 * Labels of one axis of an RDS matrix. The converter keeps the full dimnames as the column's categories in
 * the file's metadata when they are unique, so genes or cells without any nonzero keep their name; otherwise
 * the labels come from the entries themselves and the extent is the largest index seen.
 */
async function labelTable(
  duck: DuckDbSession,
  target: string,
  valuesFile: string,
  labelColumn: string,
  indexColumn: string,
  extent: number | undefined,
): Promise<void> {
  const categories = (await duck.rows(
    `SELECT decode(value) AS v FROM parquet_kv_metadata(${valuesFile})
     WHERE decode(key) = 'omicslake.categories'`,
  )) as { v: string }[];
  const parsed = categories[0]
    ? (JSON.parse(categories[0].v) as Record<string, { categories?: unknown }>)
    : {};
  const list = parsed[labelColumn]?.categories;
  if (Array.isArray(list)) {
    await duck.run(`CREATE TEMP TABLE label_json AS SELECT ${str(JSON.stringify(list))}::JSON AS j`);
    await duck.run(
      `CREATE TEMP TABLE ${id(target)} AS
       SELECT CAST(i - 1 AS INTEGER) AS idx, CAST(j ->> (i - 1) AS VARCHAR) AS label
       FROM label_json, range(1, CAST(json_array_length(j) AS BIGINT) + 1) t(i)`,
    );
    await duck.run(`DROP TABLE label_json`);
    return;
  }
  const n =
    extent ??
    Number(
      (
        (
          await duck.rows(
            `SELECT coalesce(max(${id(indexColumn)}), -1) + 1 AS n FROM read_parquet(${valuesFile})`,
          )
        )[0] as {
          n: number;
        }
      ).n,
    );
  await duck.run(
    `CREATE TEMP TABLE ${id(target)} AS
     SELECT CAST(r.range AS INTEGER) AS idx, l.label FROM range(${n}) r
     LEFT JOIN (SELECT ${id(indexColumn)} AS i, any_value(CAST(${id(labelColumn)} AS VARCHAR)) AS label
                FROM read_parquet(${valuesFile}) GROUP BY 1) l ON l.i = r.range`,
  );
}

/** Whether every name of the query's `x` looks like an Ensembl-style gene id (then it is an id, not a symbol). */
async function looksLikeGeneIds(duck: DuckDbSession, query: string): Promise<boolean> {
  const row = (
    await duck.rows(
      `SELECT count(*) AS n, count(*) FILTER (WHERE regexp_full_match(x, 'ENS[A-Z]*G[0-9]+(\\.[0-9]+)?')) AS ids FROM (${query})`,
    )
  )[0] as { n: number; ids: number };
  return row.n > 0 && row.ids === row.n;
}

async function checkContiguous(
  duck: DuckDbSession,
  table: string,
  column: string,
  what: string,
): Promise<number> {
  const row = (
    await duck.rows(
      `SELECT count(*) AS n, count(DISTINCT ${id(column)}) AS d, min(${id(column)}) AS lo, max(${id(column)}) AS hi FROM ${id(table)}`,
    )
  )[0] as { n: number; d: number; lo: number | null; hi: number | null };
  if (row.n > 0 && (row.d !== row.n || row.lo !== 0 || row.hi !== row.n - 1)) {
    throw new OmicslakeError(
      "not_a_matrix",
      `${what}: its index column is not 0..${row.n - 1} once each (${row.d} distinct, ${row.lo}..${row.hi})`,
      { details: { table: what }, hint: "Convert the matrix again with the current omicslake" },
    );
  }
  return row.n;
}

function prefixed(name: string, reserved: readonly string[], prefix: string): string {
  let out = name;
  while (reserved.includes(out)) out = `${prefix}${out}`;
  return out;
}

async function columnsOf(
  duck: DuckDbSession,
  table: string,
  skip: readonly string[],
): Promise<StoreColumn[]> {
  return ((await duck.rows(`DESCRIBE ${id(table)}`)) as { column_name: string; column_type: string }[])
    .filter((r) => !skip.includes(r.column_name))
    .map((r) => ({ name: r.column_name, type: r.column_type }));
}

async function describe(duck: DuckDbSession, path: string): Promise<StoreColumn[]> {
  return (
    (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${str(path)})`)) as {
      column_name: string;
      column_type: string;
    }[]
  ).map((r) => ({ name: r.column_name, type: r.column_type }));
}

/** The group column: the one asked for (it must exist), else `cell_type` when there is one. */
function chooseGroup(by: string | undefined, metadata: readonly StoreColumn[]): string | null {
  const names = metadata.map((c) => c.name);
  if (by === undefined) return names.includes("cell_type") ? "cell_type" : null;
  if (names.includes(by)) return by;
  throw new OmicslakeError("unknown_column", `the cells have no column "${by}" to group by`, {
    details: { column: by, columns: names },
    hint:
      names.length > 0
        ? `Group by one of: ${names.join(", ")}`
        : "The cells have no metadata columns; build without --by",
  });
}
