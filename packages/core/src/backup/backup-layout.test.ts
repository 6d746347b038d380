import { describe, expect, it } from "vitest";
import { backupFolder, poolKey, splitBackupLocation } from "./backup-layout.js";

describe("backup layout", () => {
  it("puts backups under archive/backups/{kind}/{timestamp}/ and objects in a sha256 pool", () => {
    expect(backupFolder("daily", new Date("2026-01-07T02:00:00.123Z"))).toBe(
      "archive/backups/daily/2026-01-07T02-00-00.123Z/",
    );
    expect(poolKey("ab".repeat(32))).toBe(`archive/backups/objects/sha256/ab/${"ab".repeat(32)}`);
  });

  it("splits a backup folder or manifest path or URL into its store and folder", () => {
    expect(splitBackupLocation("s3://bkp/lab/archive/backups/manual/T1/manifest.json")).toEqual({
      storeUrl: "s3://bkp/lab",
      folder: "archive/backups/manual/T1/",
    });
    expect(splitBackupLocation("/srv/bk/archive/backups/weekly/T2/")).toEqual({
      storeUrl: "/srv/bk",
      folder: "archive/backups/weekly/T2/",
    });
    expect(splitBackupLocation("archive/backups/daily/T3")).toEqual({
      storeUrl: ".",
      folder: "archive/backups/daily/T3/",
    });
    expect(() => splitBackupLocation("/srv/bk/somewhere")).toThrow("is not a backup folder");
  });
});
