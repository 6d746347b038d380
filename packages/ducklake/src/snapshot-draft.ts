import { toNumber, type CatalogSql } from "./catalog-sql.js";

/** What the steps of one snapshot share while they write it: the ids they draw and the changes they made. */
export interface SnapshotDraft {
  readonly snapshotId: number;
  readonly previousSchemaVersion: number;
  /** The next id for tables and name mappings, drawn in the order DuckDB's extension draws them. */
  nextCatalogId: number;
  nextFileId: number;
  /** `changes_made` entries, in the order they happened. */
  readonly changes: string[];
  /** Whether any table was created, altered or dropped: the schema version moves on. */
  schemaChanged: boolean;
  readonly schemaChangedTables: number[];
}

/** Reads the latest snapshot and opens the draft of the next one. */
export async function startSnapshot(sql: CatalogSql, metadataPath: string): Promise<SnapshotDraft> {
  const previous = (
    await sql.rows(
      "SELECT snapshot_id, schema_version, next_catalog_id, next_file_id FROM ducklake_snapshot " +
        "ORDER BY snapshot_id DESC LIMIT 1",
    )
  )[0];
  if (!previous) throw new Error(`DuckLake catalog ${metadataPath} has no snapshot`);
  return {
    snapshotId: toNumber(previous.snapshot_id) + 1,
    previousSchemaVersion: toNumber(previous.schema_version),
    nextCatalogId: toNumber(previous.next_catalog_id),
    nextFileId: toNumber(previous.next_file_id),
    changes: [],
    schemaChanged: false,
    schemaChangedTables: [],
  };
}

/** The last step of a snapshot: its schema versions, its row with the ids drawn, and what it changed. */
export async function recordSnapshot(
  sql: CatalogSql,
  draft: SnapshotDraft,
  options: { readonly author?: string; readonly message?: string; readonly extraInfo?: string },
): Promise<void> {
  const schemaVersion = draft.previousSchemaVersion + (draft.schemaChanged ? 1 : 0);
  for (const tableId of draft.schemaChangedTables) {
    await sql.exec("INSERT INTO ducklake_schema_versions VALUES (?, ?, ?)", [
      draft.snapshotId,
      schemaVersion,
      tableId,
    ]);
  }
  await sql.exec("INSERT INTO ducklake_snapshot VALUES (?, now(), ?, ?, ?)", [
    draft.snapshotId,
    schemaVersion,
    draft.nextCatalogId,
    draft.nextFileId,
  ]);
  await sql.exec("INSERT INTO ducklake_snapshot_changes VALUES (?, ?, ?, ?, ?)", [
    draft.snapshotId,
    draft.changes.join(","),
    options.author ?? null,
    options.message ?? null,
    options.extraInfo ?? null,
  ]);
}
