import type { Lake, Run } from "@omicslake/core";
import { parseJobData } from "./asset-job.js";
import type { AssetQueue } from "./asset-queue.js";

/** The step name of the run every worker process keeps open while it lives: its heartbeat. */
export const WORKER_STEP = "asset-worker";

/**
 * The liveness sweep. A worker killed mid-run leaves its job `active` in pg-boss until the job
 * expires, hours later. Each worker, though, keeps a run open while it lives, and writes that run on
 * every job it holds (AssetQueue.claim); the run carries a lease, and the lake marks it abandoned as
 * soon as its owner is provably gone (a dead pid on this host) or its lease lapsed (another host). A
 * job whose holder's run is no longer running is failed here, so pg-boss hands it to another worker
 * at once, and that worker's `store.start` marks the dead attempt failed (`run_abandoned`). This
 * covers a worker killed at any point, between two attempts included, not only inside an attempt.
 *
 * Returns the ids of the jobs it failed. Safe from many processes at once: a job is failed only while
 * the activation that was seen dead still holds it.
 */
export async function failDeadJobs(lake: Lake, queue: AssetQueue): Promise<string[]> {
  await lake.abandonDeadRuns();
  const failed: string[] = [];
  const holders = new Map<number, Run | undefined>();
  for (const job of await queue.active()) {
    if (job.holderRunId === undefined) continue;
    if (!holders.has(job.holderRunId)) {
      holders.set(job.holderRunId, await lake.catalog.getRun(job.holderRunId).catch(() => undefined));
    }
    const holder = holders.get(job.holderRunId);
    if (holder?.status === "running") continue;
    let what = `job ${job.id}`;
    try {
      const request = parseJobData(job.data, job.id);
      what = request.partition === undefined ? request.key : `${request.key} [${request.partition}]`;
    } catch {
      // Its holder refused it already, or will; the name is only for the message.
    }
    const who = holder?.owner ? `worker ${holder.owner.host}:${holder.owner.pid}` : "its worker";
    const why = holder?.error?.message ?? `its run ${job.holderRunId} is ${holder?.status ?? "gone"}`;
    const message = `${who} holding ${what} is gone: ${why}`;
    if (await queue.fail(job, { code: "run_abandoned", message })) failed.push(job.id);
  }
  return failed;
}
