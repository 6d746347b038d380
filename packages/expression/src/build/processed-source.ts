import type { CatalogObject } from "@omicslake/core";
import { OmicslakeError, ValidationError } from "@omicslake/core";

/**
 * What a build reads from a processed dataset: the triplet file of the chosen matrix and the tables that name
 * its genes and cells, as the formats flow wrote them. Decided from the conversion's manifest.json and the
 * object names alone, before any byte of the matrix is read, so a dataset that is no matrix is refused at once.
 */
export interface ProcessedSource {
  /** The conversion's format (h5ad, 10x-mtx, 10x-h5, mtx, rds, parquet). */
  readonly format: string;
  /** `X`, a layer name or `raw.X`. */
  readonly matrix: string;
  readonly values: TripletFile;
  /** The gene table; absent when genes are only indexes (or, for RDS, labels inside the triplet file). */
  readonly genes?: AxisTable;
  readonly cells?: AxisTable;
  /** Row and column labels carried by the triplet file itself (RDS dgCMatrix dimnames). */
  readonly labels?: { readonly gene?: string; readonly cell?: string };
  /** The axis extents the conversion recorded, when it recorded them. */
  readonly shape?: { readonly genes?: number; readonly cells?: number };
}

export interface TripletFile {
  /** The first (often the only) file of the matrix. */
  readonly object: CatalogObject;
  /** Every file of the matrix, in row order: a large converted matrix is written as several (`files` in the manifest). */
  readonly objects: readonly CatalogObject[];
  /** Columns of the file holding the gene's and the cell's 0-based index. */
  readonly geneColumn: string;
  readonly cellColumn: string;
}

/** A table with one row per gene (or cell), its position in `indexColumn`. */
export interface AxisTable {
  readonly object: CatalogObject;
  readonly indexColumn: string;
  /** The column naming the entry (barcode, obs name, var index); null when the table has none. */
  readonly nameColumn: string | null;
  /** Genes only: the columns with the gene id and symbol when the table has both kinds. */
  readonly idColumn?: string | null;
  readonly symbolColumn?: string | null;
}

export interface SourceChoice {
  readonly matrix?: string;
  readonly genesOn?: "rows" | "columns";
}

/** Matrices of a conversion manifest: name → the file and the gene table it indexes. */
type ManifestMatrices = Record<string, { file?: unknown; files?: unknown; var_table?: unknown }>;

/** Column names that name a gene's symbol or id in var tables (scanpy, Seurat and CellxGene conventions). */
export const SYMBOL_COLUMNS = [
  "gene_symbols",
  "gene_symbol",
  "gene_name",
  "gene_names",
  "symbol",
  "feature_name",
];
export const GENE_ID_COLUMNS = ["gene_ids", "gene_id", "ensembl_id", "feature_id"];

/**
 * Picks the files of `matrix` in a processed dataset. `columnsOf` lists a Parquet object's columns (only
 * names are needed here; the builder reads the types itself).
 */
export async function resolveProcessedSource(
  dataset: string,
  objects: readonly CatalogObject[],
  manifest: Record<string, unknown> | undefined,
  choice: SourceChoice,
  columnsOf: (object: CatalogObject) => Promise<readonly string[]>,
): Promise<ProcessedSource> {
  const byName = new Map(objects.map((o) => [o.name, o]));
  const format = typeof manifest?.["format"] === "string" ? manifest["format"] : "parquet";
  const matrices = matricesOf(manifest, byName);
  const wanted = choice.matrix ?? "X";
  if (format === "rds" || (matrices.size === 0 && byName.has("table.parquet") && isRdsMatrix(manifest))) {
    return rdsSource(dataset, byName, manifest, wanted, choice.genesOn ?? "rows", columnsOf);
  }
  if (matrices.size === 0) {
    return tripletSource(dataset, objects, manifest, wanted, columnsOf);
  }
  const entry = matrices.get(wanted);
  if (entry === undefined) {
    throw unknownMatrix(dataset, wanted, [...matrices.keys()]);
  }
  const valuesObject = entry.object;
  const valuesObjects = entry.objects;
  const geneTableName = entry.geneTable;
  const cellTableName = ["obs.parquet", "cells.parquet"].find((n) => byName.has(n));
  const geneTableObject = geneTableName === undefined ? undefined : byName.get(geneTableName);
  const swap = (choice.genesOn ?? "rows") !== genesOnOf(manifest) && format === "mtx";
  const genes = geneTableObject ? await geneTable(geneTableObject, columnsOf) : undefined;
  const cellsObject = cellTableName === undefined ? undefined : byName.get(cellTableName);
  const cells = cellsObject ? await cellTable(cellsObject, columnsOf) : undefined;
  const shape = shapeOf(manifest);
  if (swap) {
    // A Matrix Market file whose genes are its columns: the converter's "cells" are the genes.
    return {
      format,
      matrix: wanted,
      values: {
        object: valuesObject,
        objects: valuesObjects,
        geneColumn: "cell_idx",
        cellColumn: "gene_idx",
      },
      ...(cellsObject ? { genes: await cellTable(cellsObject, columnsOf, "cell_idx") } : {}),
      ...(geneTableObject ? { cells: await cellTable(geneTableObject, columnsOf, "gene_idx") } : {}),
      ...(shape
        ? {
            shape: {
              ...(shape.cells !== undefined ? { genes: shape.cells } : {}),
              ...(shape.genes !== undefined ? { cells: shape.genes } : {}),
            },
          }
        : {}),
    };
  }
  return {
    format,
    matrix: wanted,
    values: { object: valuesObject, objects: valuesObjects, geneColumn: "gene_idx", cellColumn: "cell_idx" },
    ...(genes ? { genes } : {}),
    ...(cells ? { cells } : {}),
    ...(shape ? { shape } : {}),
  };
}

/** The matrices a conversion manifest lists (h5ad: X, layers, raw as `raw.X`; 10x and mtx: X). */
function matricesOf(
  manifest: Record<string, unknown> | undefined,
  byName: ReadonlyMap<string, CatalogObject>,
): Map<string, { object: CatalogObject; objects: CatalogObject[]; geneTable: string | undefined }> {
  const found = new Map<
    string,
    { object: CatalogObject; objects: CatalogObject[]; geneTable: string | undefined }
  >();
  const listed = manifest?.["matrices"];
  if (typeof listed === "object" && listed !== null) {
    for (const [name, entry] of Object.entries(listed as ManifestMatrices)) {
      // `files` (every part, in row order) when the conversion wrote it; `file` or the default name before.
      const files =
        Array.isArray(entry.files) &&
        entry.files.length > 0 &&
        entry.files.every((f) => typeof f === "string")
          ? entry.files
          : [typeof entry.file === "string" ? entry.file : `matrix.${name}.parquet`];
      const objects = files.map((f) => byName.get(f));
      if (!objects.every((o): o is CatalogObject => o !== undefined)) continue;
      const object = objects[0]!;
      const varTable = typeof entry.var_table === "string" ? `${entry.var_table}.parquet` : undefined;
      const geneTable =
        varTable ?? ["var.parquet", "features.parquet"].find((candidate) => byName.has(candidate));
      // AnnData's .raw is a matrix of its own with its own var; the issue calls it raw.X.
      found.set(name === "raw" ? "raw.X" : name, { object, objects, geneTable });
    }
  }
  return found;
}

function isRdsMatrix(manifest: Record<string, unknown> | undefined): boolean {
  const tables = manifest?.["tables"];
  return (
    Array.isArray(tables) &&
    tables.some((t) => /^[dlni]g[CT]Matrix$/.test(String((t as { rClass?: unknown }).rClass)))
  );
}

function genesOnOf(manifest: Record<string, unknown> | undefined): "rows" | "columns" {
  const file = manifest?.["matrix_file"];
  const on =
    typeof file === "object" && file !== null ? (file as { genes_on?: unknown }).genes_on : undefined;
  return on === "cols" || on === "columns" ? "columns" : "rows";
}

function shapeOf(
  manifest: Record<string, unknown> | undefined,
): { genes?: number; cells?: number } | undefined {
  const shape = manifest?.["shape"];
  if (typeof shape !== "object" || shape === null) return undefined;
  const s = shape as Record<string, unknown>;
  const genes =
    typeof s["genes"] === "number" ? s["genes"] : typeof s["n_vars"] === "number" ? s["n_vars"] : undefined;
  const cells =
    typeof s["cells"] === "number" ? s["cells"] : typeof s["n_obs"] === "number" ? s["n_obs"] : undefined;
  return { ...(genes !== undefined ? { genes } : {}), ...(cells !== undefined ? { cells } : {}) };
}

async function geneTable(
  object: CatalogObject,
  columnsOf: (object: CatalogObject) => Promise<readonly string[]>,
  indexColumn = "gene_idx",
): Promise<AxisTable> {
  const columns = await columnsOf(object);
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const symbolColumn = SYMBOL_COLUMNS.map((c) => lower.get(c)).find((c) => c !== undefined) ?? null;
  const idColumn = GENE_ID_COLUMNS.map((c) => lower.get(c)).find((c) => c !== undefined) ?? null;
  const nameColumn = columns.includes("_index") ? "_index" : null;
  return { object, indexColumn: pick(columns, indexColumn, object), nameColumn, idColumn, symbolColumn };
}

async function cellTable(
  object: CatalogObject,
  columnsOf: (object: CatalogObject) => Promise<readonly string[]>,
  indexColumn = "cell_idx",
): Promise<AxisTable> {
  const columns = await columnsOf(object);
  // The last ones name the entries of a gene table read as cells (a Matrix Market file with genes on columns).
  const nameColumn =
    ["_index", "barcode", "cell", "cell_id", "name", "gene_name", "gene_id"].find((c) =>
      columns.includes(c),
    ) ?? null;
  return { object, indexColumn: pick(columns, indexColumn, object), nameColumn };
}

function pick(columns: readonly string[], column: string, object: CatalogObject): string {
  if (columns.includes(column)) return column;
  throw new OmicslakeError("not_a_matrix", `${object.name} has no ${column} column`, {
    details: { object: object.name, columns },
    hint: "Convert the matrix again with the current omicslake: its tables carry the index columns",
  });
}

/** An RDS sparse matrix: `row`, `col`, labels and value in one table; genes are rows unless told otherwise. */
async function rdsSource(
  dataset: string,
  byName: ReadonlyMap<string, CatalogObject>,
  manifest: Record<string, unknown> | undefined,
  wanted: string,
  genesOn: "rows" | "columns",
  columnsOf: (object: CatalogObject) => Promise<readonly string[]>,
): Promise<ProcessedSource> {
  const tables = Array.isArray(manifest?.["tables"])
    ? (manifest["tables"] as { name?: unknown; file?: unknown; rClass?: unknown }[])
    : [];
  const sparse = tables.filter((t) => /^[dlni]g[CT]Matrix$/.test(String(t.rClass)));
  if (sparse.length === 0)
    throw notAMatrix(
      dataset,
      [...byName.keys()],
      tables.map((t) => `${String(t.name)} (${String(t.rClass)})`),
    );
  const names = sparse.map((t) => String(t.name));
  // One sparse matrix is "X"; an RDS list of several is addressed by the element's name.
  const chosen = sparse.length === 1 && wanted === "X" ? sparse[0] : sparse.find((t) => t.name === wanted);
  if (chosen === undefined) {
    throw unknownMatrix(dataset, wanted, sparse.length === 1 ? ["X"] : names);
  }
  const file = typeof chosen.file === "string" ? chosen.file : `${String(chosen.name)}.parquet`;
  const object = byName.get(file);
  if (object === undefined) throw notAMatrix(dataset, [...byName.keys()], [file]);
  const columns = await columnsOf(object);
  const rows = genesOn === "rows";
  return {
    format: "rds",
    matrix: sparse.length === 1 ? "X" : String(chosen.name),
    values: { object, objects: [object], geneColumn: rows ? "row" : "col", cellColumn: rows ? "col" : "row" },
    labels: {
      ...(columns.includes(rows ? "row_name" : "col_name") ? { gene: rows ? "row_name" : "col_name" } : {}),
      ...(columns.includes(rows ? "col_name" : "row_name") ? { cell: rows ? "col_name" : "row_name" } : {}),
    },
  };
}

/** Any processed dataset whose Parquet has the triplet columns cell_idx, gene_idx and value. */
async function tripletSource(
  dataset: string,
  objects: readonly CatalogObject[],
  manifest: Record<string, unknown> | undefined,
  wanted: string,
  columnsOf: (object: CatalogObject) => Promise<readonly string[]>,
): Promise<ProcessedSource> {
  const parquet = objects.filter((o) => o.name.endsWith(".parquet"));
  const triplets: CatalogObject[] = [];
  for (const object of parquet) {
    const columns = await columnsOf(object);
    if (["cell_idx", "gene_idx", "value"].every((c) => columns.includes(c))) triplets.push(object);
  }
  if (triplets.length === 0)
    throw notAMatrix(
      dataset,
      objects.map((o) => o.name),
      [],
    );
  const named = (o: CatalogObject): string => o.name.replace(/^matrix\./, "").replace(/\.parquet$/, "");
  const chosen =
    triplets.length === 1 && wanted === "X" ? triplets[0] : triplets.find((o) => named(o) === wanted);
  if (chosen === undefined) {
    const names = triplets.length === 1 ? ["X"] : triplets.map(named);
    throw unknownMatrix(dataset, wanted, names);
  }
  const byName = new Map(objects.map((o) => [o.name, o]));
  const genesObject = ["features.parquet", "var.parquet", "genes.parquet"]
    .map((n) => byName.get(n))
    .find((o) => o !== undefined);
  const cellsObject = ["cells.parquet", "obs.parquet"].map((n) => byName.get(n)).find((o) => o !== undefined);
  const shape = shapeOf(manifest);
  return {
    format: typeof manifest?.["format"] === "string" ? manifest["format"] : "parquet",
    matrix: triplets.length === 1 ? "X" : named(chosen),
    values: { object: chosen, objects: [chosen], geneColumn: "gene_idx", cellColumn: "cell_idx" },
    ...(genesObject ? { genes: await geneTable(genesObject, columnsOf) } : {}),
    ...(cellsObject ? { cells: await cellTable(cellsObject, columnsOf) } : {}),
    ...(shape ? { shape } : {}),
  };
}

export function notAMatrix(
  dataset: string,
  objects: readonly string[],
  found: readonly string[],
): OmicslakeError {
  return new OmicslakeError(
    "not_a_matrix",
    `processed dataset "${dataset}" holds no expression matrix: it has ${objects.length === 0 ? "no objects" : objects.join(", ")}${found.length > 0 ? ` (tables: ${found.join(", ")})` : ""}`,
    {
      details: { dataset, objects, tables: found },
      hint: "Build from a converted h5ad, 10x folder or HDF5, Matrix Market file, RDS dgCMatrix, or Parquet with cell_idx, gene_idx and value columns",
    },
  );
}

function unknownMatrix(dataset: string, wanted: string, matrices: readonly string[]): ValidationError {
  return new ValidationError(
    `processed dataset "${dataset}" has no matrix "${wanted}"; it has ${matrices.join(", ")}`,
    {
      details: { dataset, matrix: wanted, matrices },
      hint: `Choose one of: ${matrices.join(", ")} (X, a layer name, or raw.X for AnnData's .raw)`,
    },
  );
}
