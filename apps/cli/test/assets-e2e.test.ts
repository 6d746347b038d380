import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

// The asset commands on the real asset service and graph of a small lab dataset that needs no network:
// its fetch (`data/notes/raw`) syncs a local tree into raw, and automation runs it when it is missing.
describe("omicslake assets, daemon --once and materialize on a lake", () => {
  let dir: string;
  const run = (...args: string[]): ReturnType<typeof runInProcess> => runInProcess(dir, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-assets-e2e-"));
    await mkdir(join(dir, "tree"), { recursive: true });
    await writeFile(join(dir, "tree", "a.txt"), "first note\n");
    await writeFile(join(dir, "tree", "b.txt"), "second note\n");
    const config = (extra: string): string => `[lake]
root = ".omicslake"

[source.lab]
kind = "internal"
path = "tree"
layout = "files"

[processing.keep]
steps = ["ingest"]

[role.notes]
run = ["keep"]

[data.notes]
source = "lab"
role = "notes"
automation = "on_missing"
${extra}`;
    await writeFile(join(dir, "omicslake.toml"), config(""));
    await writeFile(
      join(dir, "bad.toml"),
      config(
        '\n[asset."data/notes/rawx"]\nretries = 1\n\n[asset."lake/backup"]\nautomation = "on_cron(3am)"\n',
      ),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the graph, runs what is missing once, then shows it materialized; a rerun keeps its data version", async () => {
    const listed = await run("assets", "ls", "--json");
    expect(listed.stderr).toBe("");
    const before = JSON.parse(listed.stdout) as { key: string; status: string; automation: string }[];
    expect(before.find((a) => a.key === "data/notes/raw")).toMatchObject({
      status: "missing",
      automation: "on_missing",
      last_materialization: null,
    });
    expect(before.map((a) => a.key)).toContain("lake/backup");

    const once = await run("daemon", "--once", "--json");
    expect(once.code, once.stderr).toBe(0);
    expect(once.stderr).toContain("requested data/notes/raw");
    const ticked = JSON.parse(once.stdout) as { outcomes: { key: string; status: string }[] };
    // The backup is manual: only the missing dataset was due.
    expect(ticked.outcomes.map((o) => [o.key, o.status])).toEqual([["data/notes/raw", "succeeded"]]);

    const shown = await run("assets", "show", "data/notes/raw", "--json");
    const detail = JSON.parse(shown.stdout) as {
      status: string;
      last_materialization: { data_version: string };
      recent: { origin: string; status: string }[];
    };
    expect(detail.status).toBe("materialized");
    expect(detail.recent.map((r) => [r.origin, r.status])).toEqual([["automation", "succeeded"]]);

    const again = await run("materialize", "--select", "data/notes/*", "--json");
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { failed: boolean; outcomes: { data_version: string }[] };
    expect(report.failed).toBe(false);
    // Nothing changed in the tree: the same data, so nothing downstream would count it as updated.
    expect(report.outcomes[0]?.data_version).toBe(detail.last_materialization.data_version);
  });

  it("config check names every asset setting the graph refuses", async () => {
    const checked = await run("config", "check", "--config", "bad.toml", "--json");
    expect(checked.code).toBe(1);
    const { error } = JSON.parse(checked.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("config_error");
    expect(error.message).toContain("data/notes/rawx");
    expect(error.message).toContain('[asset."lake/backup"] automation');
    expect(error.message).toContain("1 more problem(s)");
  });
});
