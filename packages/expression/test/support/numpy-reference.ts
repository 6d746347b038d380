import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestEntry } from "./write-test-store.js";

/** Debian's python, which has numpy and scipy; tests that need it skip with a message when it lacks them. */
export const PYTHON = "/usr/bin/python3";

const script = fileURLToPath(new URL("./numpy_reference.py", import.meta.url));

/** Why numpy references cannot be computed here, or undefined when they can. */
export function numpyMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import numpy, scipy.stats"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} is not available (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} lacks numpy or scipy: ${probe.stderr.trim().split("\n").at(-1)}`;
  return undefined;
}

/** Statistics of every gene over one set of cells, zeros included; null where undefined. */
export interface ReferenceStats {
  readonly n: number;
  readonly mean: readonly (number | null)[];
  readonly variance: readonly (number | null)[];
  readonly cv: readonly (number | null)[];
  readonly n_expressing: readonly number[];
  readonly sum: readonly (number | null)[];
  /** For each correlated gene (by index, as a string key), r against every gene. */
  readonly pearson: Readonly<Record<string, readonly (number | null)[]>>;
  readonly spearman: Readonly<Record<string, readonly (number | null)[]>>;
}

export interface ReferenceRequest {
  readonly genes: number;
  readonly cells: number;
  /** Source-order triplets, as writeTestStore takes them. */
  readonly entries: readonly TestEntry[];
  /** Named sets of source cell indexes. */
  readonly cellSets: Readonly<Record<string, readonly number[]>>;
  /** Genes whose correlations with every gene are wanted. */
  readonly correlate: readonly number[];
}

/** Runs numpy_reference.py on the matrix (dense in numpy: keep test matrices small). */
export function numpyReference(request: ReferenceRequest): Record<string, ReferenceStats> {
  const input = JSON.stringify({
    n_genes: request.genes,
    n_cells: request.cells,
    entries: request.entries,
    cell_sets: request.cellSets,
    correlate: request.correlate,
  });
  const run = spawnSync(PYTHON, [script], { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`numpy_reference.py failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, ReferenceStats>;
}
