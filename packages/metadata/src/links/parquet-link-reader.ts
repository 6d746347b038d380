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
    // A frontier can hold thousands of accessions: a joined list beats an IN list of that many literals.
    const rows = await this.duck.rows(
      `SELECT l.from_accession, l.to_accession, l.to_type, l.relation, l.source
         FROM read_parquet(${sqlString(this.file)}) l
         SEMI JOIN (SELECT unnest(${listLiteral(accessions)}) AS a) f ON f.a = l.from_accession
        ORDER BY l.from_accession, l.to_accession, l.relation
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
