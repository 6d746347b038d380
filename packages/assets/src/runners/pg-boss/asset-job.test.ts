import { describe, expect, it } from "vitest";
import { assertQueueSchema, parseJobData, singletonKeyOf, toJobData } from "./asset-job.js";

describe("asset job data", () => {
  it("round-trips a request, an unpartitioned asset's partition as null", () => {
    const request = {
      key: "geo/raw",
      partition: undefined,
      origin: "cli" as const,
      reason: "r",
      requestId: "q1",
    };
    const data = toJobData(request);
    expect(data.partition).toBeNull();
    expect(parseJobData(JSON.parse(JSON.stringify(data)), "j1")).toEqual(request);
    const partitioned = { ...request, key: "geo/processed", partition: "2024-05" };
    expect(parseJobData(toJobData(partitioned), "j1")).toEqual(partitioned);
  });

  it("refuses data it cannot run, naming the job and the field", () => {
    const good = { key: "geo/raw", partition: null, origin: "api", reason: "", requestId: "q" };
    const cases: [unknown, RegExp][] = [
      [null, /job j9: its data is not an object/],
      [{ ...good, key: "Geo Raw" }, /"key" is not an asset key: "Geo Raw"/],
      [{ ...good, partition: 5 }, /"partition" must be a string or null, got 5/],
      [{ ...good, origin: "cron" }, /"origin" must be one of cli, api, automation, got "cron"/],
      [{ ...good, requestId: "" }, /"requestId" must be a non-empty string/],
    ];
    for (const [data, message] of cases) {
      expect(() => parseJobData(data, "j9")).toThrow(message);
    }
    expect(() => parseJobData(null, "j9")).toThrow(expect.objectContaining({ code: "invalid_input" }));
  });

  it("keys a job by its asset-partition", () => {
    expect(singletonKeyOf("geo/processed", "2024-05")).toBe("geo/processed|2024-05");
    expect(singletonKeyOf("metadata/serving", undefined)).toBe("metadata/serving|");
  });

  it("accepts only plain schema names, which pg-boss writes unquoted into its SQL", () => {
    expect(assertQueueSchema("omicslake_jobs")).toBe("omicslake_jobs");
    for (const bad of ["Jobs", "jobs; drop table x", "1jobs", '"jobs"', ""]) {
      expect(() => assertQueueSchema(bad)).toThrow(expect.objectContaining({ code: "config_error" }));
    }
  });
});
