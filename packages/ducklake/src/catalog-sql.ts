import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";

/** A value bound to a `?` of a catalog statement. */
export type Param = string | number | bigint | boolean | null;

/** The catalog's metadata tables as the snapshot steps read and write them, on the catalog's one connection. */
export interface CatalogSql {
  rows(sql: string, params?: readonly Param[]): Promise<Record<string, unknown>[]>;
  exec(sql: string, params?: readonly Param[]): Promise<void>;
}

/** The schema every table is registered in: DuckLake's `main`, with its fixed id and data folder. */
export const MAIN_SCHEMA_ID = 0;
export const MAIN_SCHEMA_PATH = "main/";

export function catalogSql(connection: DuckDBConnection): CatalogSql {
  return {
    async rows(sql, params = []) {
      const reader = await connection.runAndReadAll(sql, toParams(params));
      return reader.getRowObjectsJS();
    },
    async exec(sql, params = []) {
      await connection.run(sql, toParams(params));
    },
  };
}

function toParams(params: readonly Param[]): DuckDBValue[] {
  // Every numeric catalog column is BIGINT; binding integers as bigint keeps DuckDB from going through DOUBLE.
  return params.map((p) => (typeof p === "number" && Number.isInteger(p) ? BigInt(p) : p));
}

export const toNumber = (v: unknown): number => Number(v);
export const toNullableNumber = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v);
