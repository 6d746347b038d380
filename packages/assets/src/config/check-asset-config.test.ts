import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type LakeConfig } from "@omicslake/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkAssetConfig } from "./check-asset-config.js";

const BASE = `[source.geo]
kind = "geo"
[role.metadata]
[data.geo]
source = "geo"
role = "metadata"
`;

describe("checkAssetConfig", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "omicslake-asset-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The config as loaded from a file in `dir`, so problems can point at its lines. */
  const load = (text: string): LakeConfig => {
    const file = join(dir, "omicslake.toml");
    writeFileSync(file, text);
    return parseConfig(text, { file, baseDir: dir, env: {} });
  };

  it("finds nothing wrong with a config whose assets all exist and whose conditions parse", () => {
    expect(
      checkAssetConfig(
        load(`${BASE}automation = 'on_cron("0 3 * * *")'\n[asset."metadata/serving"]\nretries = 1\n`),
      ),
    ).toEqual([]);
  });

  it("refuses an automated backup asset while [backup] daily or weekly also schedules backups", () => {
    const both = checkAssetConfig(
      load(`[backup]\ndaily = "02:00"\n${BASE}[asset."lake/backup"]\nautomation = 'on_cron("0 2 * * 0")'\n`),
    );
    expect(both.map((p) => p.details)).toMatchObject([{ section: 'asset."lake/backup"', key: "automation" }]);
    expect(both[0]?.message).toContain("backed up twice");
    expect(
      checkAssetConfig(
        load(`[backup]\ndaily = "02:00"\n${BASE}[asset."lake/backup"]\nautomation = "manual"\n`),
      ),
    ).toEqual([]);
    expect(
      checkAssetConfig(load(`${BASE}[asset."lake/backup"]\nautomation = 'on_cron("0 2 * * 0")'\n`)),
    ).toEqual([]);
  });

  it("names an [asset.KEY] table of no asset, with the closest keys", () => {
    const [problem, ...rest] = checkAssetConfig(load(`${BASE}[asset."geo/processed"]\nretries = 1\n`));
    expect(rest).toEqual([]);
    expect(problem?.message).toContain('no asset "geo/processed"');
    expect(problem?.message).toContain('Did you mean "data/geo/processed"');
    expect(problem?.details).toMatchObject({ section: 'asset."geo/processed"', line: 7 });
  });

  it("names the key of a condition that does not parse: [data.X] automation or schedule, [asset.KEY] automation", () => {
    const problems = checkAssetConfig(
      load(`${BASE}automation = "eagerly"\n[asset."metadata/serving"]\nautomation = "on_cron(3am)"\n`),
    );
    expect(problems.map((p) => p.details)).toMatchObject([
      { section: "data.geo", key: "automation", line: 7 },
      { section: 'asset."metadata/serving"', key: "automation", line: 9 },
    ]);
    expect(problems[0]?.message).toContain('[data.geo], key "automation": unknown condition "eagerly"');
    expect(problems[1]?.message).toContain(
      '[asset."metadata/serving"], key "automation": unexpected character',
    );
    const cron = checkAssetConfig(load(`${BASE}schedule = "cron: every day"\n`));
    expect(cron[0]?.details).toMatchObject({ section: "data.geo", key: "schedule", line: 7 });
    expect(cron[0]?.message).toContain('[data.geo], key "schedule"');
  });

  it("refuses concurrency on an asset without partitions, which nothing would read", () => {
    const [problem] = checkAssetConfig(load(`${BASE}[asset."metadata/curated"]\nconcurrency = 4\n`));
    expect(problem?.message).toContain("metadata/curated has no partitions");
    expect(problem?.details).toMatchObject({ key: "concurrency", line: 8 });
    expect(checkAssetConfig(load(`${BASE}[asset."data/geo/processed"]\nconcurrency = 4\n`))).toEqual([]);
  });
});
