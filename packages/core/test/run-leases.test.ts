import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../src/catalog/catalog-types.js";
import { Lake } from "../src/lake/lake.js";
import { RunLease } from "../src/lake/run-lease.js";
import { currentRunOwner } from "../src/lake/run-owner.js";
import { fsTempFileName } from "../src/object-store/fs/fs-debris.js";
import { FsObjectStore } from "../src/object-store/fs/fs-object-store.js";
import { forEachDatabase } from "@omicslake/core/testing";

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid;
}

/** A clock the test moves by hand. */
function manualClock(start = new Date("2026-12-01T00:00:00Z")): {
  now: () => Date;
  advance: (ms: number) => void;
} {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

forEachDatabase((ctx) => {
  let root: string;
  let store: FsObjectStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "omicslake-leases-"));
    store = new FsObjectStore(join(root, "objects"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe("run owners and leases", () => {
    it("records the owner and a lease on every run, and finishes it normally", async () => {
      const clock = manualClock(new Date());
      const lake = new Lake(store, ctx().catalog, { clock: clock.now, runLeaseMs: 60_000 });
      let seen: Run | undefined;
      const { run } = await lake.withRun("lease-normal", {}, async (r) => {
        seen = await ctx().catalog.getRun(r.id);
      });
      expect(seen?.status).toBe("running");
      expect(seen?.owner).toEqual({ host: hostname(), pid: process.pid, token: currentRunOwner().token });
      expect(seen!.leaseExpiresAt!.getTime()).toBe(clock.now().getTime() + 60_000);
      expect(run.status).toBe("succeeded");
    });

    it("renews the lease while the owner lives, and refuses a renewal for another token", async () => {
      const clock = manualClock();
      const catalog = ctx().catalog;
      const owner = currentRunOwner();
      const started = await catalog.startRun({
        step: "lease-renew",
        owner,
        leaseExpiresAt: RunLease.expiry({ leaseMs: 1000, clock: clock.now }),
      });
      const lease = new RunLease(catalog, started.id, owner.token, { leaseMs: 1000, clock: clock.now });
      clock.advance(5000);
      expect(await lease.renew()).toBe(true);
      expect((await catalog.getRun(started.id)).leaseExpiresAt!.getTime()).toBe(clock.now().getTime() + 1000);
      expect(await catalog.renewRunLease(started.id, "not-the-owner", clock.now())).toBe(false);
      await catalog.finishRun(started.id, { status: "succeeded" });
      expect(await lease.renew()).toBe(false);
    });

    it("marks a run whose owner process is gone abandoned, with the reason, at the next open", async () => {
      const catalog = ctx().catalog;
      const pid = deadPid();
      const started = await catalog.startRun({
        step: "lease-dead-owner",
        owner: { host: hostname(), pid, token: "gone" },
        // A lease far in the future: the dead pid alone must be enough.
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
      });
      const lake = new Lake(store, catalog);
      const { abandonedRuns } = await lake.recover();
      expect(abandonedRuns).toContainEqual({
        id: started.id,
        step: "lease-dead-owner",
        reason: `owner process ${pid} on ${hostname()} is no longer running`,
      });
      const run = await catalog.getRun(started.id);
      expect(run.status).toBe("abandoned");
      expect(run.finishedAt).not.toBeNull();
      expect(run.error).toMatchObject({
        code: "run_abandoned",
        message: expect.stringContaining(String(pid)) as string,
      });
    });

    it("marks a run of another host abandoned only once its lease has expired (injected clock)", async () => {
      const catalog = ctx().catalog;
      const clock = manualClock();
      const lake = new Lake(store, catalog, { clock: clock.now, runLeaseMs: 60_000 });
      const started = await catalog.startRun({
        step: "lease-other-host",
        owner: { host: "some-other-host.example", pid: 1, token: "remote" },
        leaseExpiresAt: new Date(clock.now().getTime() + 60_000),
      });
      clock.advance(59_000);
      expect((await lake.abandonDeadRuns()).map((r) => r.id)).not.toContain(started.id);
      expect((await catalog.getRun(started.id)).status).toBe("running");
      clock.advance(2_000);
      const abandoned = await lake.abandonDeadRuns();
      expect(abandoned.find((r) => r.id === started.id)?.reason).toMatch(/stopped renewing its lease/);
      expect((await catalog.getRun(started.id)).status).toBe("abandoned");
    });

    it("keeps a run whose owner renewed after it was seen lapsing", async () => {
      const catalog = ctx().catalog;
      const seenLease = new Date("2026-01-01T00:00:00Z");
      const started = await catalog.startRun({
        step: "lease-race",
        owner: { host: "h.example", pid: 2, token: "t" },
        leaseExpiresAt: seenLease,
      });
      expect(await catalog.renewRunLease(started.id, "t", new Date("2026-01-01T00:01:00Z"))).toBe(true);
      expect(
        await catalog.abandonRun(started.id, seenLease, { code: "run_abandoned", message: "late" }),
      ).toBe(false);
      expect((await catalog.getRun(started.id)).status).toBe("running");
      await catalog.finishRun(started.id, { status: "succeeded" });
    });

    it("never abandons this process's own live run, and refuses to finish an abandoned one", async () => {
      const catalog = ctx().catalog;
      const clock = manualClock(new Date());
      const lake = new Lake(store, catalog, { clock: clock.now });
      await lake.withRun("lease-own", {}, async (r) => {
        expect((await lake.abandonDeadRuns()).map((a) => a.id)).not.toContain(r.id);
      });
      const pid = deadPid();
      const started = await catalog.startRun({
        step: "lease-finish-late",
        owner: { host: hostname(), pid, token: "x" },
        leaseExpiresAt: new Date(),
      });
      await lake.abandonDeadRuns();
      await expect(catalog.finishRun(started.id, { status: "succeeded" })).rejects.toMatchObject({
        code: "conflict",
      });
    });
  });

  describe("fsck debris", () => {
    it("reports temp files of dead writers, stray sidecars and root strays; --repair removes only the provably dead", async () => {
      const fsRoot = await mkdtemp(join(tmpdir(), "omicslake-debris-"));
      try {
        const debrisStore = new FsObjectStore(fsRoot);
        const lake = new Lake(debrisStore, ctx().catalog);
        const kept = await debrisStore.put("processed/debris-keep/x.txt", "kept bytes");
        const tmp = join(fsRoot, ".tmp");
        await mkdir(tmp, { recursive: true });
        expect(await readdir(tmp)).toEqual([]); // a completed put leaves nothing behind
        // A temp file named like the store names them, by a writer that is gone; and one of a live writer (us).
        const ownName = fsTempFileName();
        const deadName = ownName.replace(`.${process.pid}.`, `.${deadPid()}.`);
        await writeFile(join(tmp, deadName), "half an object");
        await writeFile(join(tmp, ownName), "a write in progress");
        await mkdir(join(fsRoot, ".meta", "processed", "debris-gone"), { recursive: true });
        await writeFile(join(fsRoot, ".meta", "processed", "debris-gone", "y.txt"), "{}");
        await writeFile(join(fsRoot, "stray.txt"), "what is this");

        const report = await lake.fsck();
        const debris = report.problems.filter((p) =>
          ["temp_leftover", "stray_sidecar", "root_stray"].includes(p.kind),
        );
        expect(debris.map((p) => [p.kind, p.key]).sort()).toEqual([
          ["root_stray", "stray.txt"],
          ["stray_sidecar", ".meta/processed/debris-gone/y.txt"],
          ["temp_leftover", `.tmp/${deadName}`],
        ]);

        const repaired = await lake.fsck({ repair: true });
        expect(repaired.repaired.map((p) => p.key).sort()).toEqual([
          ".meta/processed/debris-gone/y.txt",
          `.tmp/${deadName}`,
        ]);
        expect(repaired.problems.filter((p) => p.kind !== "orphan").map((p) => p.key)).toEqual(["stray.txt"]);
        expect((await readdir(tmp)).sort()).toEqual([ownName]);
        // The object and its sidecar are untouched.
        expect((await debrisStore.head(kept.key))?.sha256).toBe(kept.sha256);
      } finally {
        await rm(fsRoot, { recursive: true, force: true });
      }
    });

    it("removes the empty raw dataset an abandoned add created, never one created on purpose or holding objects", async () => {
      const catalog = ctx().catalog;
      const lake = new Lake(store, catalog);
      const pid = deadPid();
      // What a killed `add` leaves: its run (owner gone) created the raw dataset and stored nothing.
      const run = await catalog.startRun({
        step: "add",
        owner: { host: hostname(), pid, token: "killed" },
        leaseExpiresAt: new Date(),
      });
      const debris = await catalog.createDataset({
        name: "debris-killed-add",
        layer: "raw",
        createdByRunId: run.id,
      });
      const onPurpose = await catalog.createDataset({ name: "debris-made-by-hand", layer: "raw" });
      const before = await lake.fsck();
      // Still running: not debris yet (its owner might be adding); fsck sees the stale run.
      expect(before.problems).toContainEqual(
        expect.objectContaining({ kind: "stale_run", key: `run/${run.id}` }),
      );
      expect(before.problems.some((p) => p.kind === "debris_dataset" && p.dataset === debris.id)).toBe(false);
      await lake.abandonDeadRuns();
      const after = await lake.fsck();
      expect(after.problems).toContainEqual({
        kind: "debris_dataset",
        key: "raw:debris-killed-add",
        dataset: debris.id,
        runId: run.id,
      });
      const repaired = await lake.fsck({ repair: true });
      expect(repaired.repaired).toContainEqual(
        expect.objectContaining({ kind: "debris_dataset", dataset: debris.id }),
      );
      expect(await catalog.findDataset("debris-killed-add", "raw")).toBeUndefined();
      expect(await catalog.findDataset("debris-made-by-hand", "raw")).toMatchObject({ id: onPurpose.id });
      // A dataset that holds an object is never debris, whatever its run did.
      const run2 = await catalog.startRun({
        step: "add",
        owner: { host: hostname(), pid, token: "killed" },
        leaseExpiresAt: new Date(),
      });
      const filled = await catalog.createDataset({
        name: "debris-half-added",
        layer: "raw",
        createdByRunId: run2.id,
      });
      await lake.addObject(filled, { name: "one.txt", body: "one" });
      await lake.abandonDeadRuns();
      expect(await catalog.removeDebrisDataset(filled.id)).toBe(false);
      expect((await catalog.getDataset(filled.id)).objectCount).toBe(1);
    });
  });
});
