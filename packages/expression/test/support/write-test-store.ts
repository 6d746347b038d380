import { createHash } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDuckDb, sqlIdentifier, sqlString, type DuckDbSession } from "@omicslake/core";
import {
  CELL_KEY_COLUMNS,
  GENE_KEY_COLUMNS,
  STORE_FILES,
  STORE_FORMAT,
  STORE_FORMAT_VERSION,
  STORE_POINTER,
  type CellValue,
  type StoreBuild,
  type StoreColumn,
  type StoreFileEntry,
  type StoreFileRole,
  type StoreManifest,
  type StoreValueType,
} from "@omicslake/expression";

/**
 * Writes a store build from an in-memory sparse matrix, following store/store-layout.ts, so engine and service
 * tests run on stores whose every number is known. It is independent of the real builder on purpose: the two
 * are written from the layout alone, and tests of each catch a drift of the other from it.
 */

export interface TestGene {
  readonly gene_id?: string | null;
  readonly symbol?: string | null;
  /** Other columns of the source's gene table. */
  readonly extra?: Readonly<Record<string, CellValue>>;
}

export interface TestCell {
  /** Barcode or obs name (made unique like genes). */
  readonly cell: string;
  /** Metadata columns; a column missing from a cell is null there. */
  readonly meta?: Readonly<Record<string, CellValue>>;
}

/** `[gene, cell, value]` with gene and cell the indexes in `genes` and `cells` (source order). */
export type TestEntry = readonly [gene: number, cell: number, value: number];

export interface TestMatrix {
  readonly dataset?: string;
  readonly build?: number;
  readonly genes: readonly TestGene[];
  readonly cells: readonly TestCell[];
  /** Nonzeros (zeros given here are dropped: a store holds nonzeros only); at most one per (gene, cell). */
  readonly entries: readonly TestEntry[];
  /** The group column; `cell_type` when a metadata column has that name and this is left out. */
  readonly groupBy?: string | null;
  readonly valueType?: StoreValueType;
  /** DuckDB types of metadata columns; inferred from the values when left out (DOUBLE, BOOLEAN, VARCHAR). */
  readonly cellTypes?: Readonly<Record<string, string>>;
}

export interface WrittenTestStore extends StoreBuild {
  /** The store's directory (`store.json` and `b<build>/`). */
  readonly dir: string;
  /** cell_idx of each source cell: cells are renumbered so each group is one contiguous range. */
  readonly cellIdxOfSource: readonly number[];
  /** The source index of each cell_idx. */
  readonly sourceOfCellIdx: readonly number[];
}

/** The triplets of a dense genes × cells matrix (zeros left out). */
export function denseEntries(dense: readonly (readonly number[])[]): TestEntry[] {
  const out: TestEntry[] = [];
  dense.forEach((row, gene) =>
    row.forEach((value, cell) => {
      if (value !== 0) out.push([gene, cell, value]);
    }),
  );
  return out;
}

/** R's make.unique: the first occurrence keeps its name, later ones get `.1`, `.2`, … skipping taken names. */
export function makeUnique(names: readonly string[]): string[] {
  const original = new Set(names);
  const used = new Set<string>();
  const next = new Map<string, number>();
  return names.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    let counter = next.get(name) ?? 1;
    let candidate = `${name}.${counter}`;
    while (original.has(candidate) || used.has(candidate)) candidate = `${name}.${++counter}`;
    next.set(name, counter + 1);
    used.add(candidate);
    return candidate;
  });
}

/** Writes `dir/b<build>/*.parquet` and `dir/store.json`, and returns the build as an engine gets it. */
export async function writeTestStore(dir: string, matrix: TestMatrix): Promise<WrittenTestStore> {
  const build = matrix.build ?? 1;
  const buildDir = join(dir, `b${build}`);
  await mkdir(buildDir, { recursive: true });
  const metaNames = [...new Set(matrix.cells.flatMap((c) => Object.keys(c.meta ?? {})))];
  const metaColumns = metaNames.map((name) => ({
    source: name,
    name: (CELL_KEY_COLUMNS as readonly string[]).includes(name) ? `obs_${name}` : name,
    type: matrix.cellTypes?.[name] ?? inferType(matrix.cells.map((c) => c.meta?.[name] ?? null)),
  }));
  const groupSource =
    matrix.groupBy !== undefined ? matrix.groupBy : metaNames.includes("cell_type") ? "cell_type" : null;
  const groupColumn = groupSource === null ? null : metaColumns.find((c) => c.source === groupSource);
  if (groupSource !== null && groupColumn === undefined)
    throw new Error(`writeTestStore: group column ${groupSource} is not a metadata column`);

  // Cells ordered by group (groups in code-unit order, cells without a group last), then source order.
  const groupOf = (i: number): string | null => {
    if (groupColumn === undefined || groupColumn === null) return null;
    const v = matrix.cells[i]?.meta?.[groupColumn.source] ?? null;
    return v === null ? null : String(v);
  };
  const sourceOfCellIdx = matrix.cells.map((_, i) => i);
  sourceOfCellIdx.sort((x, y) => {
    const gx = groupOf(x);
    const gy = groupOf(y);
    if (gx !== gy) {
      if (gx === null) return 1;
      if (gy === null) return -1;
      return gx < gy ? -1 : 1;
    }
    return x - y;
  });
  const cellIdxOfSource = new Array<number>(matrix.cells.length);
  sourceOfCellIdx.forEach((source, idx) => (cellIdxOfSource[source] = idx));

  const geneNames = makeUnique(matrix.genes.map((g, i) => g.symbol ?? g.gene_id ?? `gene${i}`));
  const cellNames = makeUnique(matrix.cells.map((c) => c.cell));
  const valueType = matrix.valueType ?? "DOUBLE";

  const duck = await openDuckDb({ threads: 1 });
  try {
    await writeCellsTable(duck, matrix, metaColumns, cellNames, sourceOfCellIdx);
    await writeGenesTable(duck, matrix, geneNames);
    await writeValuesTable(duck, matrix, cellIdxOfSource, valueType);
    const files: Partial<Record<StoreFileRole, string>> = {};
    const entries: Partial<Record<StoreFileRole, StoreFileEntry>> = {};
    const copy = async (role: StoreFileRole, sql: string): Promise<void> => {
      const path = join(buildDir, STORE_FILES[role]);
      // Small row groups, so tests exercise readers across row-group boundaries.
      await duck.run(`COPY (${sql}) TO ${sqlString(path)} (FORMAT parquet, ROW_GROUP_SIZE 64)`);
      const rows = Number((await duck.rows(`SELECT count(*) AS n FROM (${sql})`))[0]?.n);
      const bytes = await readFile(path);
      files[role] = path;
      entries[role] = {
        name: `b${build}/${STORE_FILES[role]}`,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: (await stat(path)).size,
        rows,
      };
    };
    const stats = `count(*)::BIGINT AS n_expressing, sum(value::DOUBLE) AS sum,
      var_pop(value::DOUBLE) * count(*) AS m2, min(value::DOUBLE) AS min_value, max(value::DOUBLE) AS max_value`;
    const extraGene = extraGeneColumns(matrix)
      .map((c) => `, g.${sqlIdentifier(c)}`)
      .join("");
    await copy(
      "genes",
      `SELECT g.gene_idx, g.gene, g.gene_id, g.symbol, coalesce(s.n_expressing, 0)::BIGINT AS n_expressing,
         coalesce(s.sum, 0)::DOUBLE AS sum, coalesce(s.m2, 0)::DOUBLE AS m2, s.min_value, s.max_value${extraGene}
       FROM t_genes g LEFT JOIN (SELECT gene_idx, ${stats} FROM t_values GROUP BY gene_idx) s USING (gene_idx)
       ORDER BY g.gene_idx`,
    );
    await copy("cells", `SELECT * FROM t_cells ORDER BY cell_idx`);
    await copy("valuesByGene", `SELECT * FROM t_values ORDER BY gene_idx, cell_idx`);
    await copy("valuesByCell", `SELECT * FROM t_values ORDER BY cell_idx, gene_idx`);

    const groups: { value: string; cells: number; firstCell: number; lastCell: number }[] = [];
    let cellsWithoutGroup = 0;
    if (groupColumn) {
      const g = sqlIdentifier(groupColumn.name);
      await copy(
        "groupStats",
        `WITH grp AS (SELECT cell_idx, CAST(${g} AS VARCHAR) AS group_value FROM t_cells WHERE ${g} IS NOT NULL),
              sizes AS (SELECT group_value, count(*)::BIGINT AS n_cells FROM grp GROUP BY group_value)
         SELECT s.group_value, v.gene_idx, s.n_cells, ${stats}
         FROM t_values v JOIN grp USING (cell_idx) JOIN sizes s USING (group_value)
         GROUP BY s.group_value, v.gene_idx, s.n_cells
         ORDER BY s.group_value, v.gene_idx`,
      );
      for (let idx = 0; idx < sourceOfCellIdx.length; idx++) {
        const value = groupOf(sourceOfCellIdx[idx] as number);
        if (value === null) {
          cellsWithoutGroup++;
          continue;
        }
        const last = groups.at(-1);
        if (last?.value === value) {
          groups[groups.length - 1] = { ...last, cells: last.cells + 1, lastCell: idx };
        } else groups.push({ value, cells: 1, firstCell: idx, lastCell: idx });
      }
    }

    const nonzeros = Number((await duck.rows(`SELECT count(*) AS n FROM t_values`))[0]?.n);
    const duplicateSymbols: Record<string, string[]> = {};
    matrix.genes.forEach((g, i) => {
      if (g.symbol === null || g.symbol === undefined) return;
      (duplicateSymbols[g.symbol] ??= []).push(geneNames[i] as string);
    });
    for (const [symbol, names] of Object.entries(duplicateSymbols))
      if (names.length < 2) delete duplicateSymbols[symbol];

    const manifest: StoreManifest = {
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      dataset: matrix.dataset ?? "test",
      build,
      builtAt: new Date(0).toISOString(),
      source: {
        dataset: `processed:${matrix.dataset ?? "test"}`,
        matrix: "X",
        format: "mtx",
        objects: [],
      },
      counts: { genes: matrix.genes.length, cells: matrix.cells.length, nonzeros },
      valueType,
      groupBy: groupColumn ? groupColumn.name : null,
      groups,
      cellsWithoutGroup: groupColumn ? cellsWithoutGroup : 0,
      geneColumns: await describe(duck, files.genes as string),
      cellColumns: await describe(duck, files.cells as string),
      duplicateSymbols,
      files: entries,
    };
    await writeFile(join(dir, STORE_POINTER), JSON.stringify(manifest, null, 2));
    return { dir, manifest, files, cellIdxOfSource, sourceOfCellIdx };
  } finally {
    duck.close();
  }
}

function extraGeneColumns(matrix: TestMatrix): string[] {
  const names = [...new Set(matrix.genes.flatMap((g) => Object.keys(g.extra ?? {})))];
  return names.map((n) => ((GENE_KEY_COLUMNS as readonly string[]).includes(n) ? `var_${n}` : n));
}

async function writeCellsTable(
  duck: DuckDbSession,
  matrix: TestMatrix,
  metaColumns: readonly { source: string; name: string; type: string }[],
  cellNames: readonly string[],
  sourceOfCellIdx: readonly number[],
): Promise<void> {
  const columns = [
    "cell_idx INTEGER",
    "cell VARCHAR",
    "source_cell_idx INTEGER",
    ...metaColumns.map((c) => `${sqlIdentifier(c.name)} ${c.type}`),
  ];
  await duck.run(`CREATE TABLE t_cells (${columns.join(", ")})`);
  const rows = sourceOfCellIdx.map((source, idx) => {
    const cell = matrix.cells[source] as TestCell;
    const meta = metaColumns.map((c) => literal(cell.meta?.[c.source] ?? null, c.type));
    return `(${[String(idx), sqlString(cellNames[source] as string), String(source), ...meta].join(", ")})`;
  });
  await insertRows(duck, "t_cells", rows);
}

async function writeGenesTable(
  duck: DuckDbSession,
  matrix: TestMatrix,
  names: readonly string[],
): Promise<void> {
  const sources = [...new Set(matrix.genes.flatMap((g) => Object.keys(g.extra ?? {})))];
  const extra = extraGeneColumns(matrix);
  const types = sources.map((s) => inferType(matrix.genes.map((g) => g.extra?.[s] ?? null)));
  await duck.run(
    `CREATE TABLE t_genes (gene_idx INTEGER, gene VARCHAR, gene_id VARCHAR, symbol VARCHAR${extra
      .map((c, i) => `, ${sqlIdentifier(c)} ${types[i] as string}`)
      .join("")})`,
  );
  const rows = matrix.genes.map((g, i) => {
    const values = [
      String(i),
      sqlString(names[i] as string),
      g.gene_id == null ? "NULL" : sqlString(g.gene_id),
      g.symbol == null ? "NULL" : sqlString(g.symbol),
      ...sources.map((s, j) => literal(g.extra?.[s] ?? null, types[j] as string)),
    ];
    return `(${values.join(", ")})`;
  });
  await insertRows(duck, "t_genes", rows);
}

async function writeValuesTable(
  duck: DuckDbSession,
  matrix: TestMatrix,
  cellIdxOfSource: readonly number[],
  valueType: StoreValueType,
): Promise<void> {
  await duck.run(`CREATE TABLE t_values (gene_idx INTEGER, cell_idx INTEGER, value ${valueType})`);
  const appender = await duck.connection.createAppender("t_values");
  try {
    for (const [gene, cell, value] of matrix.entries) {
      if (value === 0) continue;
      if (!Number.isFinite(value))
        throw new Error(`writeTestStore: value ${value} at gene ${gene}, cell ${cell}`);
      appender.appendInteger(gene);
      appender.appendInteger(cellIdxOfSource[cell] as number);
      if (valueType === "DOUBLE") appender.appendDouble(value);
      else if (valueType === "FLOAT") appender.appendFloat(value);
      else if (valueType === "INTEGER") appender.appendInteger(value);
      else appender.appendBigInt(BigInt(value));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

async function insertRows(duck: DuckDbSession, table: string, rows: readonly string[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await duck.run(`INSERT INTO ${table} VALUES ${rows.slice(i, i + 500).join(", ")}`);
}

function inferType(values: readonly CellValue[]): string {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === "number"))
    return present.every((v) => Number.isInteger(v)) ? "BIGINT" : "DOUBLE";
  if (present.length > 0 && present.every((v) => typeof v === "boolean")) return "BOOLEAN";
  return "VARCHAR";
}

function literal(value: CellValue, type: string): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`writeTestStore: ${value} is not a finite number`);
    return `CAST(${value} AS ${type})`;
  }
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `CAST(${sqlString(value)} AS ${type})`;
}

async function describe(duck: DuckDbSession, path: string): Promise<StoreColumn[]> {
  const rows = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}
