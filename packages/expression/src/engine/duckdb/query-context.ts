import type { DuckDBConnection } from "@duckdb/node-api";
import type { StoreBuild } from "../expression-engine.js";
import type { BuildViews } from "./build-views.js";

/** What a query module gets: the build, its views, and a connection leased for this one query. */
export interface QueryContext {
  readonly build: StoreBuild;
  readonly views: BuildViews;
  readonly connection: DuckDBConnection;
}

/** Rows of a small result as plain objects; integers that fit are numbers. */
export async function queryRows(ctx: QueryContext, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await ctx.connection.runAndReadAll(sql);
  return reader.getRowObjectsJS().map(plainRow);
}

export async function queryCount(ctx: QueryContext, sql: string): Promise<number> {
  const rows = await queryRows(ctx, sql);
  return Number(rows[0]?.n ?? 0);
}

export function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

/** BIGINT counts become numbers when exact; anything larger stays text rather than lose digits. */
function plainValue(value: unknown): unknown {
  if (typeof value === "bigint")
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/** A number from a row: DuckDB's NULL (an aggregate over no rows) is 0 where the statistic says so. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Text from a row (VARCHAR, or a value cast to VARCHAR in SQL); null stays null. */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}
