import type { SnapshotViewDefinition } from "./entity-definition.js";
import { GEO_SNAPSHOT_VIEWS } from "./geo-entities.js";
import { SRA_SNAPSHOT_VIEWS } from "./sra-entities.js";

/** The snapshot's views, created after every entity table and listed in `_metadata` next to them. */
export const SNAPSHOT_VIEWS: readonly SnapshotViewDefinition[] = [
  ...SRA_SNAPSHOT_VIEWS,
  ...GEO_SNAPSHOT_VIEWS,
];
