/** One problem `fsck` found; `kind` says which. */
export type FsckProblem =
  | {
      readonly kind: "checksum_mismatch";
      readonly key: string;
      readonly expected: string;
      readonly actual: string;
    }
  | {
      readonly kind: "size_mismatch";
      readonly key: string;
      readonly expected: number;
      readonly actual: number;
    }
  | { readonly kind: "missing"; readonly key: string; readonly dataset: number }
  | { readonly kind: "orphan"; readonly key: string; readonly size: number }
  | { readonly kind: "unreadable"; readonly key: string; readonly message: string }
  /** A store leftover of an interrupted write (`key` is its path in the store); `removable` if provably dead. */
  | {
      readonly kind: "temp_leftover" | "stray_sidecar" | "root_stray";
      readonly key: string;
      readonly size: number;
      readonly removable: boolean;
      readonly reason: string;
    }
  /** A run still `running` whose owner is gone (`key` is `run/<id>`); repair marks it abandoned. */
  | {
      readonly kind: "stale_run";
      readonly key: string;
      readonly runId: number;
      readonly step: string;
      readonly reason: string;
    }
  /**
   * An empty raw dataset created by a run that failed or was abandoned (`key` is `raw:<name>`); repair
   * removes it. It never held an object, so no raw byte goes with it.
   */
  | {
      readonly kind: "debris_dataset";
      readonly key: string;
      readonly dataset: number;
      readonly runId: number;
    }
  /**
   * A promotion that was started and never published, with no live run working on it (`key` is
   * `<layer>:<name>` of the hidden target). Nobody sees it; running the same promotion again finishes it.
   */
  | {
      readonly kind: "partial_promotion";
      readonly key: string;
      readonly dataset: number;
      readonly from: string | undefined;
      readonly copiedObjects: number;
      readonly hint: string;
    };

export interface FsckReport {
  readonly checkedObjects: number;
  readonly checkedBytes: number;
  /** What is still wrong (after repair, when repairing). */
  readonly problems: readonly FsckProblem[];
  /** What repair fixed: debris removed, stale runs marked abandoned. Empty without repair. */
  readonly repaired: readonly FsckProblem[];
  /** Runs marked abandoned so far (newest first, at most 100): the record of killed work, not a problem. */
  readonly abandonedRuns: readonly { readonly id: number; readonly step: string; readonly reason: string }[];
  readonly ok: boolean;
}
