import { describe, expect, it } from "vitest";
import { MAX_TIME_PARTITIONS, resolvePartitionKeys } from "./resolve-partition-keys.js";

const at = (iso: string) => new Date(iso);

describe("resolvePartitionKeys", () => {
  it("lists every month from the start to the one holding now, in UTC", async () => {
    const monthly = { kind: "time" as const, name: "m", unit: "month" as const, start: "2023-11" };
    expect(await resolvePartitionKeys(monthly, at("2024-02-29T23:59:59Z"))).toEqual([
      "2023-11",
      "2023-12",
      "2024-01",
      "2024-02",
    ]);
    // 00:30 on March 1st in UTC is still February in New York: UTC decides.
    expect((await resolvePartitionKeys(monthly, at("2024-03-01T00:30:00Z"))).at(-1)).toBe("2024-03");
  });

  it("lists every day from the start to today, across month, leap-day and year ends", async () => {
    const daily = { kind: "time" as const, name: "d", unit: "day" as const, start: "2023-12-30" };
    expect(await resolvePartitionKeys(daily, at("2024-01-02T05:00:00Z"))).toEqual([
      "2023-12-30",
      "2023-12-31",
      "2024-01-01",
      "2024-01-02",
    ]);
    const leap = await resolvePartitionKeys({ ...daily, start: "2024-02-27" }, at("2024-03-01T00:00:00Z"));
    expect(leap).toEqual(["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]);
  });

  it("has no partitions before the start", async () => {
    expect(
      await resolvePartitionKeys(
        { kind: "time", name: "d", unit: "day", start: "2030-01-01" },
        at("2024-01-01T00:00:00Z"),
      ),
    ).toEqual([]);
  });

  it("refuses a malformed start and a range over the cap", async () => {
    for (const [unit, start] of [
      ["day", "2024-02-30"],
      ["day", "2024-5-1"],
      ["month", "2024-13"],
      ["month", "2024-05-01"],
    ] as const) {
      await expect(
        resolvePartitionKeys({ kind: "time", name: "bad", unit, start }, at("2024-06-01T00:00:00Z")),
      ).rejects.toMatchObject({ code: "config_error", message: expect.stringContaining(start) as string });
    }
    const tooMany = resolvePartitionKeys(
      { kind: "time", name: "ancient", unit: "day", start: "1700-01-01" },
      at("2024-06-01T00:00:00Z"),
    );
    await expect(tooMany).rejects.toMatchObject({
      code: "config_error",
      message: expect.stringContaining(`more than ${MAX_TIME_PARTITIONS}`) as string,
    });
  });

  it("returns static keys as given and asks a dynamic definition for its keys now", async () => {
    expect(await resolvePartitionKeys({ kind: "static", name: "s", keys: ["b", "a"] }, new Date())).toEqual([
      "b",
      "a",
    ]);
    let listed = 0;
    const dynamic = {
      kind: "dynamic" as const,
      name: "files",
      keys: () => Promise.resolve(listed++ === 0 ? ["f1"] : ["f1", "f2"]),
    };
    expect(await resolvePartitionKeys(dynamic, new Date())).toEqual(["f1"]);
    expect(await resolvePartitionKeys(dynamic, new Date())).toEqual(["f1", "f2"]);
  });
});
