import { BACKUPS_PREFIX } from "../backup/backup-layout.js";
import type { FsckProblem, FsckReport } from "./fsck-report.js";
import { hashStream } from "./hash-stream.js";
import type { Lake } from "./lake.js";

/** Temp files whose writer cannot be identified count as dead after a day: no write stalls that long. */
export const DEFAULT_DEBRIS_AGE_MS = 24 * 60 * 60 * 1000;

export interface FsckOptions {
  readonly onProgress?: (checked: number, bytes: number) => void;
  /**
   * Remove what is provably dead: temp files of writers that are gone (or older than `debrisAgeMs`),
   * sidecars of objects that do not exist, empty raw datasets of failed or abandoned runs; and mark
   * stale runs abandoned. Never an object's bytes, never a catalog row of an object.
   */
  readonly repair?: boolean;
  readonly debrisAgeMs?: number;
}

/**
 * The lake's consistency check (see Lake.fsck). Objects are re-hashed against the catalog, the store
 * is listed for objects the catalog does not know, the store's leftovers and the catalog's runs and
 * datasets are checked for debris of killed work.
 */
export async function runFsck(lake: Lake, options: FsckOptions = {}): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const repaired: FsckProblem[] = [];
  const known = new Set<string>();
  let checkedObjects = 0;
  let checkedBytes = 0;

  // Runs first: marking dead runs abandoned is what lets their debris datasets be recognised below.
  for (const run of await staleRuns(lake)) {
    if (options.repair) {
      const marked = await lake.catalog.abandonRun(run.runId, run.seenLease, {
        code: "run_abandoned",
        message: run.reason,
        details: { runId: run.runId, step: run.step },
      });
      if (marked) {
        repaired.push(run.problem);
        continue;
      }
    }
    problems.push(run.problem);
  }

  for await (const object of lake.catalog.allObjects()) {
    known.add(object.key);
    checkedObjects++;
    const head = await lake.store.head(object.key);
    if (!head) {
      problems.push({ kind: "missing", key: object.key, dataset: object.datasetId });
      continue;
    }
    try {
      const { sha256, size } = await hashStream(await lake.store.get(object.key));
      checkedBytes += size;
      if (size !== object.size)
        problems.push({ kind: "size_mismatch", key: object.key, expected: object.size, actual: size });
      if (sha256 !== object.sha256)
        problems.push({
          kind: "checksum_mismatch",
          key: object.key,
          expected: object.sha256,
          actual: sha256,
        });
    } catch (error) {
      problems.push({
        kind: "unreadable",
        key: object.key,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    options.onProgress?.(checkedObjects, checkedBytes);
  }
  for (const layer of ["raw", "processed", "curated", "archive"] as const) {
    for await (const head of lake.store.listAll(`${layer}/`)) {
      // Backups kept in the lake's own store are no catalog objects; their manifests account for them.
      if (head.key.startsWith(BACKUPS_PREFIX)) continue;
      if (!known.has(head.key)) problems.push({ kind: "orphan", key: head.key, size: head.size });
    }
  }

  if (lake.store.listDebris !== undefined) {
    const debrisAgeMs = options.debrisAgeMs ?? DEFAULT_DEBRIS_AGE_MS;
    for await (const debris of lake.store.listDebris({ olderThanMs: debrisAgeMs, now: lake.clock() })) {
      const kind = debris.kind === "temp" ? "temp_leftover" : debris.kind;
      const problem: FsckProblem = {
        kind,
        key: debris.path,
        size: debris.size,
        removable: debris.removable,
        reason: debris.reason,
      };
      if (kind === "temp_leftover" && !debris.removable) continue; // a write in progress, not a problem
      if (options.repair && debris.removable && lake.store.removeDebris !== undefined) {
        await lake.store.removeDebris(debris);
        repaired.push(problem);
      } else {
        problems.push(problem);
      }
    }
  }

  for (const { dataset, runId } of await lake.catalog.listDebrisDatasets()) {
    const problem: FsckProblem = {
      kind: "debris_dataset",
      key: `raw:${dataset.name}`,
      dataset: dataset.id,
      runId,
    };
    if (options.repair && (await lake.catalog.removeDebrisDataset(dataset.id))) repaired.push(problem);
    else problems.push(problem);
  }

  problems.push(...(await partialPromotions(lake)));

  const abandoned = await lake.catalog.listRuns({ status: "abandoned", limit: 100 });
  return {
    checkedObjects,
    checkedBytes,
    problems,
    repaired,
    abandonedRuns: abandoned.items.map((run) => ({
      id: run.id,
      step: run.step,
      reason: run.error?.message ?? "",
    })),
    ok: problems.length === 0,
  };
}

/**
 * Hidden promotion targets that no running promote run is working on. Repair does not finish them:
 * finishing copies data and belongs to the promote command, which resumes a hidden target.
 */
async function partialPromotions(lake: Lake): Promise<FsckProblem[]> {
  const pending = await lake.incompletePromotions();
  if (pending.length === 0) return [];
  const busy = new Set<string>();
  const running = await lake.catalog.listRuns({ status: "running", step: "promote", limit: 500 });
  for (const run of running.items) {
    const { dataset, to } = run.parameters as { dataset?: unknown; to?: unknown };
    if (typeof dataset === "string" && typeof to === "string") busy.add(`${to}:${dataset}`);
  }
  return pending
    .map(({ dataset, from, copiedObjects }) => ({
      kind: "partial_promotion" as const,
      key: `${dataset.layer}:${dataset.name}`,
      dataset: dataset.id,
      from,
      copiedObjects,
      hint: `Run "omicslake promote ${from ?? "<layer>"}:${dataset.name} --to ${dataset.layer}" to finish it`,
    }))
    .filter((problem) => !busy.has(problem.key));
}

async function staleRuns(
  lake: Lake,
): Promise<{ runId: number; step: string; reason: string; seenLease: Date | null; problem: FsckProblem }[]> {
  const stale = [];
  for (const { run, reason } of await lake.deadRuns()) {
    stale.push({
      runId: run.id,
      step: run.step,
      reason,
      seenLease: run.leaseExpiresAt,
      problem: { kind: "stale_run" as const, key: `run/${run.id}`, runId: run.id, step: run.step, reason },
    });
  }
  return stale;
}
