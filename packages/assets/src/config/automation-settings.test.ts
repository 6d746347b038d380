import { parseConfig } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import { automationSettings } from "./automation-settings.js";

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: "/srv/lab", env });

describe("automationSettings", () => {
  it("runs in-process on an embedded catalog and through pg-boss on a PostgreSQL server, unless told", () => {
    expect(automationSettings(parse(""))).toEqual({
      daemon: false,
      intervalMs: 30_000,
      concurrency: 2,
      runner: "in-process",
    });
    const server = { DATABASE_URL: "postgres://u@db/lake" };
    expect(automationSettings(parse("", server)).runner).toBe("pg-boss");
    expect(automationSettings(parse(`[automation]\nrunner = "in-process"\n`, server)).runner).toBe(
      "in-process",
    );
    expect(
      automationSettings(parse(`[automation]\ndaemon = true\ninterval = 1.5\nconcurrency = 4\n`)),
    ).toEqual({
      daemon: true,
      intervalMs: 1500,
      concurrency: 4,
      runner: "in-process",
    });
  });
});
