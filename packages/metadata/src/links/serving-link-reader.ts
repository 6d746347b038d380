import type { SqlClient } from "@omicslake/core";
import { EntityNotLoadedError } from "../serving/entity-not-loaded-error.js";
import type { AccessionType } from "./accession-types.js";
import { ACCESSION_LINKS_TABLE } from "./build-accession-links.js";
import type { LinkEdge, LinkReader } from "./link-reader.js";

/**
 * Reads links from the serving view `accession_links` (loaded by `loadAccessionLinks`): one indexed
 * lookup of the whole frontier per level, `(from_accession, to_accession, relation)` being the index.
 */
export class ServingLinkReader implements LinkReader {
  constructor(private readonly db: SqlClient) {}

  async edgesFrom(accessions: readonly string[], limit: number): Promise<LinkEdge[]> {
    try {
      const { rows } = await this.db.query<{
        from_accession: string;
        to_accession: string;
        to_type: string;
        relation: string;
        source: string;
      }>(
        `SELECT l.from_accession, l.to_accession, l.to_type, l.relation, l.source
           FROM unnest($1::text[]) AS f(accession)
           JOIN ${ACCESSION_LINKS_TABLE} l ON l.from_accession = f.accession
          LIMIT $2`,
        [accessions, limit],
      );
      return rows.map((r) => ({
        from: r.from_accession,
        to: r.to_accession,
        toType: r.to_type as AccessionType,
        relation: r.relation,
        source: r.source,
      }));
    } catch (error) {
      if ((error as { code?: unknown }).code === "42P01")
        throw new EntityNotLoadedError(ACCESSION_LINKS_TABLE, error);
      throw error;
    }
  }
}
