import { sqlString, type DuckDbSession } from "../duckdb-session.js";
import type { AccessionType } from "./accession-types.js";
import type { LinkEdge, LinkReader } from "./link-reader.js";

/**
 * Reads links from a local `accession_links.parquet` with DuckDB. The file is sorted by from_accession,
 * so each level's lookup skips the row groups whose range cannot hold the frontier.
 */
export class ParquetLinkReader implements LinkReader {
  constructor(
    private readonly duck: DuckDbSession,
    private readonly file: string,
  ) {}

  async edgesFrom(accessions: readonly string[], limit: number): Promise<LinkEdge[]> {
    if (accessions.length === 0) return [];
    // A short frontier is an IN list, which DuckDB pushes into the scan: row groups whose from_accession
    // range holds none of it are skipped. A long one is joined, which beats thousands of literals.
    const filter =
      accessions.length <= 64
        ? `WHERE l.from_accession IN (${accessions.map(sqlString).join(", ")})`
        : `SEMI JOIN (SELECT unnest(${listLiteral(accessions)}) AS a) f ON f.a = l.from_accession`;
    const rows = await this.duck.rows(
      `SELECT l.from_accession, l.to_accession, l.to_type, l.relation, l.source
         FROM read_parquet(${sqlString(this.file)}) l ${filter}
        LIMIT ${Math.trunc(limit)}`,
    );
    return rows.map((r) => ({
      from: String(r["from_accession"]),
      to: String(r["to_accession"]),
      toType: String(r["to_type"]) as AccessionType,
      relation: String(r["relation"]),
      source: String(r["source"]),
    }));
  }
}

function listLiteral(values: readonly string[]): string {
  return `[${values.map(sqlString).join(", ")}]::VARCHAR[]`;
}
