/**
 * How an asset is split into partitions, each materialized and tracked on its own.
 * - `static`: a fixed list (a configured dataset's items known at definition time);
 * - `time`: one partition per day or month from `start` up to the one holding "now" (`2024-05`, `2024-05-17`);
 * - `dynamic`: keys found at evaluation time (PubMed files, SRA batches already fetched into raw).
 * Keys are listed oldest first; the last one is the "latest" partition.
 */
export type PartitionsDefinition =
  | { readonly kind: "static"; readonly name: string; readonly keys: readonly string[] }
  | {
      readonly kind: "time";
      readonly name: string;
      readonly unit: "day" | "month";
      /** `YYYY-MM-DD` (day) or `YYYY-MM` (month), UTC. */
      readonly start: string;
    }
  | {
      readonly kind: "dynamic";
      readonly name: string;
      /** Lists the keys now, oldest first. */
      readonly keys: () => Promise<readonly string[]>;
    };
