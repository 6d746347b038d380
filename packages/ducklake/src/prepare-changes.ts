import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { NotFoundError, PolicyError, ValidationError } from "@omicslake/core";
import type { DuckLakeChange, RegisterTableChange } from "./ducklake-change.js";
import { readParquetFacts, typeSignature } from "./parquet-footer-reader.js";
import type { ParquetColumnNode, ParquetFileFacts } from "./parquet-footer-reader.js";

/** A table registration with every file's footer read and the files' one schema. */
export interface PreparedRegistration {
  readonly change: RegisterTableChange;
  readonly files: readonly ParquetFileFacts[];
  readonly columns: readonly ParquetColumnNode[];
}

/** Validates the changes and reads every file's footer before the transaction opens. */
export async function prepareChanges(
  connection: DuckDBConnection,
  changes: readonly DuckLakeChange[],
): Promise<Map<string, PreparedRegistration>> {
  if (changes.length === 0) {
    throw new ValidationError("a DuckLake commit needs at least one change", {
      hint: "Pass registerTable(...) or dropTable(...) changes",
    });
  }
  const seen = new Set<string>();
  for (const change of changes) {
    validateTableName(change.table);
    if (seen.has(change.table)) {
      throw new ValidationError(`table "${change.table}" appears twice in one DuckLake commit`, {
        details: { key: change.table },
        hint: "Give each table one change per commit",
      });
    }
    seen.add(change.table);
  }
  const prepared = new Map<string, PreparedRegistration>();
  for (const change of changes) {
    if (change.kind !== "register") continue;
    if (change.files.length === 0) {
      throw new ValidationError(`registering table "${change.table}" needs at least one Parquet file`, {
        details: { key: change.table },
        hint: "Pass the curated Parquet files of the table, or drop the table instead",
      });
    }
    const files: ParquetFileFacts[] = [];
    for (const file of change.files) {
      const path = await admissiblePath(change.table, file);
      files.push(await readFacts(connection, path));
    }
    const first = files[0] as ParquetFileFacts;
    const signature = schemaSignature(first.columns);
    for (const other of files.slice(1)) {
      if (schemaSignature(other.columns) !== signature) {
        throw new ValidationError(
          `Parquet files of table "${change.table}" differ in schema: ${first.path} has ${signature}, ${other.path} has ${schemaSignature(other.columns)}`,
          {
            details: { file: other.path, key: change.table },
            hint: "Register files with one schema per table",
          },
        );
      }
    }
    prepared.set(change.table, { change, files, columns: first.columns });
  }
  return prepared;
}

/** Resolves a file to its real path and refuses anything stored in the raw layer. */
async function admissiblePath(table: string, file: string): Promise<string> {
  const absolute = resolve(file);
  refuseRaw(table, file, absolute);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (cause) {
    throw new NotFoundError("Parquet file", file, {
      cause,
      hint: `Write the file before registering it in table "${table}"`,
    });
  }
  // A link from curated into raw is still raw data.
  refuseRaw(table, file, real);
  return real;
}

async function readFacts(connection: DuckDBConnection, path: string): Promise<ParquetFileFacts> {
  try {
    return await readParquetFacts(connection, path);
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw new ValidationError(`cannot read the Parquet footer of ${path}`, {
      cause,
      details: { file: path },
      hint: "Register only complete Parquet files",
    });
  }
}

function validateTableName(name: string): void {
  if (
    name.length === 0 ||
    name.includes("/") ||
    name.includes("\\") ||
    name === "." ||
    name === ".." ||
    name.includes("\0")
  ) {
    throw new ValidationError(`${JSON.stringify(name)} is not a usable DuckLake table name`, {
      details: { key: name },
      hint: "Use a non-empty name without path separators, e.g. sra_study",
    });
  }
}

function refuseRaw(table: string, given: string, path: string): void {
  if (path.split(sep).includes("raw")) {
    throw new PolicyError(
      "raw_not_registrable",
      `refusing to register ${given} in DuckLake table "${table}": it lies in the raw layer`,
      {
        details: { file: given, key: table },
        hint: "Raw objects stay immutable and unowned by any catalog; register a curated Parquet copy instead",
      },
    );
  }
}

function schemaSignature(columns: readonly ParquetColumnNode[]): string {
  return columns.map((c) => `${c.name}:${typeSignature(c)}`).join(", ");
}
