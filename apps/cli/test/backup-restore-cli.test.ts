import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// backup, backups and restore as users run them (in this process), and one restore in a real child
// process SIGKILLed midway (the fault point restore.object), which must leave its directory marked.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function run(cwd: string, ...args: string[]): Promise<CliResult> {
  return runInProcess(cwd, args);
}

function killedChild(cwd: string, args: readonly string[], killAt: string): Promise<NodeJS.Signals | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, OMICSLAKE_FAULT_KILL_AT: killAt };
  delete env["DATABASE_URL"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env, stdio: "ignore" });
    child.once("error", reject);
    child.once("close", (_code, signal) => resolve(signal));
  });
}

interface BackupJson {
  id: number;
  kind: string;
  status: string;
  destination: string;
  folder: string;
  objects: number;
  bytes: number;
  bytes_copied: number;
  started_at: string;
  finished_at: string;
  manifest: { key: string; sha256: string };
}

describe("omicslake backup and restore", () => {
  let dir: string;
  let lakeDir: string;
  let first: BackupJson;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-backup-cli-"));
    lakeDir = join(dir, "lake");
    await mkdir(lakeDir);
    await writeFile(
      join(lakeDir, "omicslake.toml"),
      [
        "[server]",
        "public_reads = false",
        "[backup]",
        'to = "file://../backups"',
        "keep_daily = 2",
        "[source.geo]",
        'kind = "geo"',
        'api_key = "ncbi-secret-0123456789"',
        "",
      ].join("\n"),
    );
    await writeFile(join(lakeDir, "a.csv"), "id,x\n1,2\n");
    await writeFile(join(lakeDir, "b.csv"), "id,x\n3,4\n");
    const add = await run(lakeDir, "add", "a.csv", "b.csv", "--dataset", "tables", "--source", "lab");
    expect(add.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("backs up to [backup] to, then copies nothing the second time, and lists the jobs", async () => {
    const result = await run(lakeDir, "backup", "--json");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout) as BackupJson;
    expect(first).toMatchObject({
      kind: "manual",
      status: "succeeded",
      objects: 2,
      bytes: 18,
      bytes_copied: 18,
    });
    expect(first.destination).toBe(`file://${join(dir, "backups")}`);
    expect(existsSync(join(dir, "backups", ...first.manifest.key.split("/")))).toBe(true);

    const again = JSON.parse(
      (await run(lakeDir, "backup", "--kind", "daily", "--json")).stdout,
    ) as BackupJson;
    expect(again).toMatchObject({ kind: "daily", status: "succeeded", objects: 2, bytes_copied: 0 });

    const list = JSON.parse((await run(lakeDir, "backups", "--json")).stdout) as BackupJson[];
    expect(list.map((b) => [b.id, b.status])).toEqual([
      [again.id, "succeeded"],
      [first.id, "succeeded"],
    ]);
  }, 60_000);

  it("names an unknown backup id and refuses a bad kind", async () => {
    const show = await run(lakeDir, "backups", "4242");
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('backup "4242" does not exist');
    const restore = await run(lakeDir, "restore", "4242", "--into", join(dir, "never"));
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("4242");
    expect(existsSync(join(dir, "never"))).toBe(false);
    // An id past the catalog's bigint range is unknown too, named as typed (it was an "internal error").
    const huge = await run(lakeDir, "restore", "99999999999999999999", "--into", join(dir, "never"));
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('backup "99999999999999999999" does not exist');
    expect(existsSync(join(dir, "never"))).toBe(false);
    expect((await run(lakeDir, "backup", "--kind", "hourly")).code).toBe(2);
  });

  it("a backup killed midway leaves no manifest; the next backup marks it failed and removes its folder", async () => {
    const signal = await killedChild(lakeDir, ["backup"], "backup.object-copied");
    expect(signal).toBe("SIGKILL");
    const folders = JSON.parse((await run(lakeDir, "backups", "--json")).stdout) as BackupJson[];
    const dumped = join(dir, "backups", ...folders[0]!.folder.split("/"), "catalog", "datasets.ndjson");
    expect(existsSync(dumped)).toBe(true);
    const next = await run(lakeDir, "backup", "--json");
    expect(next.code).toBe(0);
    const list = JSON.parse((await run(lakeDir, "backups", "--json")).stdout) as (BackupJson & {
      error: { message: string } | null;
    })[];
    const killed = list[1]!;
    expect(killed.status).toBe("failed");
    expect(killed.manifest).toBeNull();
    expect(killed.error?.message).toContain("stopped before it finished");
    expect(existsSync(join(dir, "backups", ...killed.folder.split("/"), "manifest.json"))).toBe(false);
    expect(existsSync(dumped)).toBe(false);
  }, 120_000);

  it("a restore killed midway leaves its directory marked and unusable; a rerun into a fresh one passes fsck", async () => {
    const half = join(dir, "half");
    const folder = join(dir, "backups", ...first.folder.split("/"));
    expect(await killedChild(dir, ["restore", folder, "--into", half], "restore.object")).toBe("SIGKILL");
    expect(existsSync(join(half, "RESTORE-INCOMPLETE"))).toBe(true);
    const opened = await run(dir, "--config", join(half, "omicslake.toml"), "fsck");
    expect(opened.code).not.toBe(0);
    expect(opened.stderr).toContain("is an unfinished restore");

    // Not over the half-built one: the path is named.
    const refused = await run(lakeDir, "restore", String(first.id), "--into", half);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`cannot restore into ${half}: it is not empty`);

    const whole = join(dir, "whole");
    const restored = await run(lakeDir, "restore", String(first.id), "--into", whole, "--json");
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ id: first.id, objects: 2 });
    expect(existsSync(join(whole, "RESTORE-INCOMPLETE"))).toBe(false);
    const fsck = await run(whole, "fsck", "--json");
    expect(fsck.code).toBe(0);
    expect(JSON.parse(fsck.stdout)).toMatchObject({ ok: true, checkedObjects: 2 });
    // The restored lake keeps its settings (a private lake stays private) but not the secrets, and
    // neither does the backup; it does not share the original's backup destination.
    const config = await readFile(join(whole, "omicslake.toml"), "utf8");
    expect(config).toMatch(/public_reads = false/);
    expect(config).toMatch(/kind = "geo"/);
    expect(config).toMatch(/root = "\."/);
    expect(config).not.toContain("ncbi-secret");
    expect(config).not.toContain("../backups");
    const kept = await readFile(join(dir, "backups", ...first.folder.split("/"), "omicslake.toml"), "utf8");
    expect(kept).toMatch(/public_reads = false/);
    expect(kept).not.toContain("ncbi-secret");
    const shown = await run(whole, "config", "check");
    expect(shown.code).toBe(0);
  }, 180_000);
});
