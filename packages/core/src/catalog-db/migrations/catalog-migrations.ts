import { migration0001 } from "./0001-catalog.js";
import { migration0002 } from "./0002-upstream-files.js";
import { migration0003 } from "./0003-run-leases.js";
import { migration0004 } from "./0004-dataset-state.js";
import { migration0005 } from "./0005-serving-loads.js";
import { migration0006 } from "./0006-run-cancel-progress.js";
import { migration0007 } from "./0007-key-expiry-audit-log.js";
import { migration0008 } from "./0008-lineage-versions.js";
import { migration0009 } from "./0009-backups.js";
import { migration0010 } from "./0010-item-runs.js";
import { migration0011 } from "./0011-item-claims.js";
import { migration0012 } from "./0012-asset-materializations.js";
import type { Migration } from "./migration.js";

/** Every catalog migration in the order it is applied. Append new ones; never edit or reorder shipped ones. */
export const CATALOG_MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
];
