import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Lake } from "@omicslake/core";
import { FakeAssetService, type FakeAssetServiceOptions } from "@omicslake/assets/testing";
import { assetsTable } from "../src/commands/assets-command.js";
import { intervalMsOf, requestLines } from "../src/commands/daemon-command.js";
import { eventLine } from "../src/commands/materialize-command.js";
import { runInProcess } from "./support/run-in-process.js";

// The asset commands over a hand-written service: what they print, their JSON and their exit codes,
// whatever the flows behind a real graph do (assets-e2e.test.ts runs them on the real service).
const fake: { options: FakeAssetServiceOptions; opened: FakeAssetService[] } = vi.hoisted(() => ({
  options: {},
  opened: [],
}));

vi.mock("@omicslake/assets", async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  openAssetService: async (lake: Lake): Promise<FakeAssetService> => {
    // Imported when called, once this mock is in place: the stand-in itself imports the real package.
    const { FakeAssetService: Service } = await import("@omicslake/assets/testing");
    const service = new Service(lake, fake.options);
    fake.opened.push(service);
    return service;
  },
}));

describe("omicslake assets, materialize (on a stand-in asset service)", () => {
  let dir: string;
  const run = (...args: string[]): ReturnType<typeof runInProcess> => runInProcess(dir, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-assets-cli-"));
    await writeFile(join(dir, "omicslake.toml"), '[lake]\nroot = "lake"\ndatabase = "pglite://memory"\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("assets ls --json: the status views in snake_case, as GET /v1/assets sends them", async () => {
    const json = await run("assets", "ls", "--json");
    expect(json.code).toBe(0);
    const views = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(views.map((v) => v["key"])).toEqual(["data/geo/raw", "data/geo/processed", "metadata/curated"]);
    expect(views[1]).toMatchObject({
      deps: ["data/geo/raw"],
      partitions: { count: 3, materialized: 1 },
      automation: "eager",
      last_materialization: { partition: "2024-02", data_version: "3a9f0c1d2e3f4a5b6c7d", run_id: 41 },
      status: "partial",
      stale: true,
    });
    expect(views[2]).toMatchObject({ last_materialization: null, stale: false });
    expect(fake.opened.at(-1)?.closed).toBe(true);
  });

  it("assets ls and show for people: the columns and the asset's partitions and materializations", async () => {
    const service = new FakeAssetService({} as Lake);
    const lines = assetsTable(await service.list()).split("\n");
    expect(lines[0]).toMatch(/^KEY\s+PARTITIONS\s+AUTOMATION\s+LAST\s+STATUS\s+STALE$/);
    expect(lines[1]).toMatch(
      /^data\/geo\/raw\s+-\s+on_cron\("0 3 \* \* \*"\)\s+2026-12-06 02:59 succeeded\s+materialized$/,
    );
    expect(lines[2]).toMatch(
      /^data\/geo\/processed\s+1\/3\s+eager\s+2026-12-06 03:00 succeeded \[2024-02\]\s+partial\s+yes$/,
    );
    expect(lines[3]).toMatch(/^metadata\/curated\s+-\s+eager\s+-\s+missing$/);

    const show = await run("assets", "show", "data/geo/processed");
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("data/geo/processed: partial, stale");
    expect(show.stdout).toContain("downstream:  metadata/curated");
    expect(show.stdout).toContain("stale:       [2024-02] data/geo/raw has version 88d2bb, 77c1aa was read");
    expect(show.stdout).toMatch(/2024-02\s+materialized\s+3a9f0c1d2e3f\s+2026-12-06 03:00\s+yes/);
    expect(show.stdout).toMatch(/7\s+2024-02\s+succeeded\s+1\s+cli\s+2026-12-06 03:00\s+41/);
  });

  it("assets why of an unknown key fails naming the keys there are; a bad graph format is a usage error", async () => {
    const unknown = await run("assets", "why", "data/nope", "--json");
    expect(unknown.code).toBe(1);
    const error = JSON.parse(unknown.stderr) as { error: { code: string; hint: string } };
    expect(error.error.code).toBe("not_found");
    expect(error.error.hint).toContain("data/geo/processed");
    const badFormat = await run("assets", "graph", "--format", "png");
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("text, dot, mermaid");
  });

  it("materialize: progress lines per asset-partition, a summary, the selection passed on", async () => {
    fake.options = {};
    const result = await run("materialize", "--select", "data/geo/*", "--partition", "2024-03");
    expect(result.code).toBe(0);
    expect(result.stderr.split("\n")).toEqual(
      expect.arrayContaining([
        "materializing 2 asset-partitions",
        "started   data/geo/raw",
        "finished  data/geo/raw: succeeded in 1.2 s",
        "started   data/geo/processed [2024-03]",
        "finished  data/geo/processed [2024-03]: succeeded in 1.2 s",
      ]),
    );
    expect(result.stdout).toMatch(/^KEY\s+PARTITION\s+STATUS\s+ATTEMPTS\s+DURATION\s+RUN\s+ERROR$/m);
    expect(result.stdout).toContain("2 succeeded");
    const input = fake.opened.at(-1)!.materialized[0]!;
    expect(input).toMatchObject({
      select: ["data/geo/*"],
      partitions: ["2024-03"],
      downstream: false,
      origin: "cli",
    });
  });

  it("materialize: a failure exits 1 (asset_failed) after the report; its downstream is skipped", async () => {
    fake.options = { failing: ["data/geo/processed [2024-02]"] };
    const result = await run("materialize", "--select", "data/geo/processed", "--downstream", "--json");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { failed: boolean; outcomes: Record<string, unknown>[] };
    expect(report.failed).toBe(true);
    expect(report.outcomes.map((o) => [o["key"], o["partition"], o["status"]])).toEqual([
      ["data/geo/processed", "2024-01", "succeeded"],
      ["data/geo/processed", "2024-02", "failed"],
      ["data/geo/processed", "2024-03", "succeeded"],
      ["metadata/curated", null, "skipped"],
    ]);
    expect(report.outcomes[1]).toMatchObject({
      attempts: 2,
      duration_ms: 3400,
      error: { code: "asset_failed" },
    });
    const error = JSON.parse(result.stderr) as { error: { code: string; message: string } };
    expect(error.error.code).toBe("asset_failed");
    expect(error.error.message).toMatch(
      /^2 of 4 asset-partitions did not succeed: data\/geo\/processed \[2024-02\] \(failed\), metadata\/curated \(skipped\)/,
    );

    expect(error.error.message).toContain("the previous materializations stay in place");
  });

  it("materialize: Ctrl-C cancels what has not started, shows what ended, and exits 130", async () => {
    fake.options = {
      beforeRun: (request) => {
        if (request.partition === "2024-02") process.emit("SIGINT");
      },
    };
    const result = await run("materialize", "--select", "data/geo/processed");
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("cancelling at the next safe point");
    expect(result.stderr).toContain("cancelled: materialize was cancelled");
    expect(result.stdout).toMatch(/2024-01\s+succeeded/);
    expect(result.stdout).toMatch(/2024-03\s+cancelled/);
    expect(fake.opened.at(-1)?.materialized[0]?.signal?.aborted).toBe(true);
  });

  it("names retries and failures with their attempts and durations", () => {
    const request = { key: "data/geo/processed", partition: "2024-02", origin: "cli", reason: "r" } as const;
    expect(eventLine({ kind: "retrying", request, attempt: 2, delayMs: 5000, error: "boom" })).toBe(
      "retrying  data/geo/processed [2024-02] in 5.0 s (attempt 2): boom",
    );
    expect(
      eventLine({
        kind: "finished",
        outcome: {
          request,
          status: "failed",
          attempts: 2,
          durationMs: 3400,
          error: { code: "x", message: "boom" },
        },
      }),
    ).toBe("finished  data/geo/processed [2024-02]: failed after 2 attempts in 3.4 s: boom");
    expect(
      eventLine({
        kind: "finished",
        outcome: {
          request,
          status: "skipped",
          attempts: 0,
          durationMs: 0,
          error: { code: "upstream_failed", message: "upstream data/geo/raw failed" },
        },
      }),
    ).toBe("finished  data/geo/processed [2024-02]: skipped: upstream data/geo/raw failed");
    expect(eventLine({ kind: "log", request, line: "noise" })).toBeUndefined();
  });

  it("daemon: --interval in seconds over the configured one, refused out of range; a tick's lines", () => {
    expect(intervalMsOf(undefined, 30)).toBe(30_000);
    expect(intervalMsOf("2.5", 30)).toBe(2500);
    for (const bad of ["0", "-1", "abc", "100000"]) expect(() => intervalMsOf(bad, 30)).toThrow(/--interval/);
    const at = new Date("2026-12-06T03:00:00Z");
    expect(requestLines([], at)).toEqual(["2026-12-06T03:00:00.000Z evaluated: nothing due"]);
    expect(
      requestLines(
        [{ key: "data/geo/raw", partition: undefined, origin: "automation", reason: "on_cron: tick" }],
        at,
      ),
    ).toEqual([
      "2026-12-06T03:00:00.000Z evaluated: 1 asset-partition due",
      "  requested data/geo/raw: on_cron: tick",
    ]);
  });
});
