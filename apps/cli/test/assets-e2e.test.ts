import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLake } from "@omicslake/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { serveLake } from "../src/commands/serve-command.js";
import { loadLakeConfig } from "../src/load-lake-config.js";
import { runInProcess } from "./support/run-in-process.js";

// The asset commands on the real asset service and graph of a small lab dataset that needs no network:
// its fetch (`data/notes/raw`) syncs a local tree into raw, and automation runs it when it is missing.
describe("omicslake assets, daemon --once and materialize on a lake", () => {
  let dir: string;
  const run = (...args: string[]): ReturnType<typeof runInProcess> => runInProcess(dir, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-assets-e2e-"));
    await mkdir(join(dir, "tree", "notes"), { recursive: true });
    await writeFile(join(dir, "tree", "notes", "a.txt"), "first note\n");
    await writeFile(join(dir, "tree", "notes", "b.txt"), "second note\n");
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

# A failure shows at once rather than after the default retries' delays.
[asset."data/notes/raw"]
retries = 0
${extra}`;
    await writeFile(join(dir, "omicslake.toml"), config(""));
    await mkdir(join(dir, "tree", "more"), { recursive: true });
    await writeFile(join(dir, "tree", "more", "c.txt"), "third note\n");
    await writeFile(
      join(dir, "serve.toml"),
      config(
        '\n[data.more]\nsource = "lab"\nrole = "notes"\nautomation = "on_missing"\n\n[automation]\ndaemon = true\ninterval = 1\n',
      ),
    );
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

  it("lists the graph, runs what is missing once, reruns it by hand, and shows both with one data version", async () => {
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

    const again = await run("materialize", "--select", "data/notes/*");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("materializing 1 asset-partition");
    expect(again.stderr).toContain("started   data/notes/raw");
    expect(again.stderr).toMatch(/finished {2}data\/notes\/raw: succeeded in \d/);
    expect(again.stdout).toMatch(/^data\/notes\/raw\s+-\s+succeeded\s+1\s/m);

    const shown = await run("assets", "show", "data/notes/raw", "--json");
    const detail = JSON.parse(shown.stdout) as {
      status: string;
      recent: { origin: string; status: string; data_version: string }[];
    };
    expect(detail.status).toBe("materialized");
    expect(detail.recent.map((r) => [r.origin, r.status])).toEqual([
      ["cli", "succeeded"],
      ["automation", "succeeded"],
    ]);
    // Nothing changed in the tree: the same data version, so nothing downstream counts it as updated.
    expect(detail.recent[0]?.data_version).toBe(detail.recent[1]?.data_version);
  });

  it("config check names every asset setting the graph refuses", async () => {
    const checked = await run("config", "check", "--config", "bad.toml", "--json");
    expect(checked.code).toBe(1);
    const { error } = JSON.parse(checked.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("config_error");
    expect(error.message).toContain("data/notes/rawx");
    expect(error.message).toMatch(/\[asset\."lake\/backup"\].*automation.*column 9/);
    expect(error.message).toContain("1 more problem(s)");
  });

  it("serve runs the daemon when [automation] daemon = true, and stops it on shutdown", async () => {
    const env = { ...process.env };
    delete env["DATABASE_URL"];
    const config = await loadLakeConfig({ cwd: dir, file: join(dir, "serve.toml"), env });
    const lake = await openLake(config);
    const lines: string[] = [];
    const served = serveLake(lake, config, { port: "0", host: "127.0.0.1" }, (line) => lines.push(line));
    try {
      await vi.waitFor(
        () => expect(lines.join("\n")).toMatch(/automation finished {2}data\/more\/raw: succeeded/),
        { timeout: 120_000, interval: 100 },
      );
      expect(lines).toContain("automation requested data/more/raw: on_missing: never materialized");
    } finally {
      // Stopped the way an operator stops it, whether or not the daemon did its work.
      process.emit("SIGINT");
      await served;
      await lake.close();
    }
    expect(lines.at(-1)).toBe("shutting down…");
  });
});
