import { parseDirectoryListing } from "../html-directory-listing.js";
import { baseUrlOf, type SourceAdapter, type UpstreamFile } from "../source-adapter.js";
import { SourceOptions } from "../source-options.js";
import { UpstreamListingError } from "../upstream-error.js";

export const SRA_SETS = ["study", "sample", "experiment", "run", "submission"] as const;
export type SraSet = (typeof SRA_SETS)[number];

/** One Mirroring batch folder: `NCBI_SRA_Mirroring_20250110_Full/` or `NCBI_SRA_Mirroring_20250112/`. */
export interface MirroringBatch {
  readonly folder: string;
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly stage: "Full" | "Incremental";
}

const DEFAULT_URL = "https://ftp.ncbi.nlm.nih.gov/sra/reports/";
const BATCH_FOLDER = /^NCBI_SRA_Mirroring_(\d{4})(\d{2})(\d{2})(_Full)?\/$/;
const META_FILE = /^meta_([a-z]+)_set\.xml\.gz$/;

/**
 * The batches that rebuild the current state: the newest Full and every Incremental dated on or after
 * it, oldest first (a Full before its same-day Incremental). An Incremental on the Full's own date is
 * kept because consolidation prefers it over the Full for that date; older batches are superseded.
 * Returns [] when the listing has no Full.
 */
export function selectMirroringBatches(folders: readonly string[]): MirroringBatch[] {
  const batches: MirroringBatch[] = [];
  for (const folder of folders) {
    const match = BATCH_FOLDER.exec(folder);
    if (!match) continue;
    batches.push({
      folder,
      date: `${match[1]}-${match[2]}-${match[3]}`,
      stage: match[4] ? "Full" : "Incremental",
    });
  }
  const fulls = batches.filter((b) => b.stage === "Full").sort((a, b) => a.date.localeCompare(b.date));
  const newest = fulls.at(-1);
  if (!newest) return [];
  return batches
    .filter((b) => b === newest || (b.stage === "Incremental" && b.date >= newest.date))
    .sort(
      (a, b) => a.date.localeCompare(b.date) || (a.stage === "Full" ? -1 : 1) - (b.stage === "Full" ? -1 : 1),
    );
}

/**
 * SRA metadata from the Mirroring reports (`meta_{study,sample,experiment,run}_set.xml.gz` of the newest
 * Full batch and the Incrementals after it) and `Metadata/SRA_Accessions.tab`.
 *
 * Options: `sets` (default study, sample, experiment, run), `mirroring` and `accessions_tab` (both
 * default true). Base URL: `https://ftp.ncbi.nlm.nih.gov/sra/reports/`.
 */
export const sraSourceAdapter: SourceAdapter = {
  kind: "sra",
  defaultUrl: DEFAULT_URL,
  defaultRequestsPerSecond: () => undefined,
  async *list(context): AsyncGenerator<UpstreamFile> {
    const options = new SourceOptions(context);
    const base = baseUrlOf(context.source, DEFAULT_URL);
    const sets = new Set<string>(options.oneOf("sets", SRA_SETS, ["study", "sample", "experiment", "run"]));
    if (options.boolean("mirroring", true)) {
      const mirroringUrl = new URL("Mirroring/", base).href;
      const folders = parseDirectoryListing(await context.http.getText(mirroringUrl), mirroringUrl);
      const batches = selectMirroringBatches(folders.map((entry) => entry.href));
      if (batches.length === 0) {
        throw new UpstreamListingError(
          `no NCBI_SRA_Mirroring_<date>_Full/ batch in the listing of ${mirroringUrl}`,
          {
            details: { url: mirroringUrl, entries: folders.length },
            hint: "Check the sra source's url: it must point at the folder holding Mirroring/ and Metadata/",
          },
        );
      }
      for (const batch of batches) {
        const batchUrl = new URL(batch.folder, mirroringUrl).href;
        const entries = parseDirectoryListing(await context.http.getText(batchUrl), batchUrl);
        for (const entry of entries.sort((a, b) => a.href.localeCompare(b.href))) {
          const set = META_FILE.exec(entry.href)?.[1];
          if (set === undefined || !sets.has(set)) continue;
          yield {
            url: entry.url,
            name: `Mirroring/${batch.folder}${entry.href}`,
            partition: { batch: batch.date, stage: batch.stage },
            ...(entry.size !== undefined ? { size: entry.size } : {}),
          };
        }
      }
    }
    if (options.boolean("accessions_tab", true)) {
      yield { url: new URL("Metadata/SRA_Accessions.tab", base).href, name: "Metadata/SRA_Accessions.tab" };
    }
  },
};
