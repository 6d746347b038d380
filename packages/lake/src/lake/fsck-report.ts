/** One problem `fsck` found; `kind` says which. */
export type FsckProblem =
  | { readonly kind: "checksum_mismatch"; readonly key: string; readonly expected: string; readonly actual: string }
  | { readonly kind: "size_mismatch"; readonly key: string; readonly expected: number; readonly actual: number }
  | { readonly kind: "missing"; readonly key: string; readonly dataset: number }
  | { readonly kind: "orphan"; readonly key: string; readonly size: number }
  | { readonly kind: "unreadable"; readonly key: string; readonly message: string };

export interface FsckReport {
  readonly checkedObjects: number;
  readonly checkedBytes: number;
  readonly problems: readonly FsckProblem[];
  readonly ok: boolean;
}
