import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load-config.js";
import { backupStoreConfig } from "./backup-destination.js";

describe("[backup] config", () => {
  it("resolves the schedule, retention and a relative file:// destination", () => {
    const config = parseConfig(
      '[backup]\ndaily = "02:00"\nweekly = "sun 03:00"\nkeep_daily = 3\nto = "file://../bk"\n',
      { baseDir: "/srv/lake" },
    );
    expect(config.backup).toEqual({
      daily: "02:00",
      weekly: "sun 03:00",
      keepDaily: 3,
      keepWeekly: 4,
      to: { url: "file:///srv/bk" },
    });
    expect(parseConfig("", { baseDir: "/srv/lake" }).backup).toEqual({ keepDaily: 7, keepWeekly: 4 });
  });

  it("uses the lake's S3 settings for an s3:// destination", () => {
    const config = parseConfig(
      '[lake]\nstorage = "s3://lake/data"\n[lake.s3]\nendpoint = "http://127.0.0.1:9000"\nforce_path_style = true\n[backup]\nto = "s3://bk/lab"\n',
      { baseDir: "/srv/lake" },
    );
    expect(backupStoreConfig(config)).toMatchObject({
      url: "s3://bk/lab",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
    });
    expect(backupStoreConfig(config, "file:///elsewhere")).toEqual({ url: "file:///elsewhere" });
  });

  it.each([
    ['daily = "2am"', '[backup], key "daily"', '"HH:MM"'],
    ['weekly = "sunday 03:00"', '[backup], key "weekly"', '"ddd HH:MM"'],
    ["keep_daily = 0", '[backup], key "keep_daily"', ""],
    ['to = "ftp://x"', '[backup], key "to"', '"file://" or "s3://"'],
    ["hourly = 1", '"hourly"', ""],
  ])("refuses %s naming the key", (line, key, hint) => {
    let message = "";
    try {
      parseConfig(`[backup]\n${line}\n`, { baseDir: "/srv/lake" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain(key);
    expect(message).toContain(hint);
  });
});
