import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lake } from "@omicslake/core";
import { downloadObject } from "../curated-objects.js";
import { openDuckDb } from "../duckdb-session.js";
import { DEFAULT_CURATED_DATASET, curatedObjectName } from "../entities/index.js";
import { MetadataFlowError } from "../metadata-flow-error.js";
import { ACCESSION_LINKS_TABLE } from "./build-accession-links.js";
import { ParquetLinkReader } from "./parquet-link-reader.js";
import {
  checkLinkRequest,
  resolveLinks,
  type ResolveLinksOptions,
  type ResolvedLinks,
} from "./resolve-links.js";

export interface CuratedLinksOptions extends ResolveLinksOptions {
  readonly curatedName?: string;
  readonly workDir?: string;
}

/**
 * `resolveLinks` over the curated `accession_links.parquet` of the lake (what `omicslake links` reads,
 * as `omicslake query` reads the curated tables): no serving load needed, the object's checksum verified
 * on the way to a scratch copy.
 */
export async function resolveCuratedLinks(
  lake: Lake,
  accessions: readonly string[],
  options: CuratedLinksOptions = {},
): Promise<ResolvedLinks> {
  checkLinkRequest(accessions, options);
  const curatedName = options.curatedName ?? DEFAULT_CURATED_DATASET;
  const curated = await lake.catalog.findDataset(curatedName, "curated");
  const object = curated
    ? await lake.catalog.findObjectByKey(lake.objectKey(curated, curatedObjectName(ACCESSION_LINKS_TABLE)))
    : undefined;
  if (!object) {
    throw new MetadataFlowError(
      "not_consolidated",
      `curated dataset "${curatedName}" has no ${curatedObjectName(ACCESSION_LINKS_TABLE)}`,
      { details: { dataset: curatedName }, hint: 'Run "omicslake consolidate" first' },
    );
  }
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-links-"));
  try {
    const file = join(work, curatedObjectName(ACCESSION_LINKS_TABLE));
    await downloadObject(lake, object, file);
    const duck = await openDuckDb(work);
    try {
      return await resolveLinks(new ParquetLinkReader(duck, file), accessions, options);
    } finally {
      duck.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
