import { join } from "node:path";
import type { DataFrame } from "../frame/data-frame.js";
import { writeDataFrameParquet } from "../parquet/data-frame-parquet-writer.js";
import type { ConversionOutput } from "./conversion-result.js";

/** A table name usable as a file name and a schema-version key: letters, digits, `.`, `_`, `-` only. */
export function safeTableName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return cleaned.length === 0 ? "table" : cleaned.slice(0, 120);
}

/** Writes `frame` as `<dir>/<table>.parquet` and describes it as a conversion output. */
export async function writeFrameOutput(
  frame: DataFrame,
  dir: string,
  table: string,
  metadata: Record<string, string> = {},
): Promise<ConversionOutput> {
  const safe = safeTableName(table);
  const name = `${safe}.parquet`;
  const path = join(dir, name);
  const summary = await writeDataFrameParquet(frame, path, { metadata });
  return { name, path, table: safe, rows: summary.rows, bytes: summary.bytes, fields: summary.fields };
}
