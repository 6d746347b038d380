import { describe, expect, it } from "vitest";
import { compareStatValues, duckLakeTypeOf, encodeStatValue } from "./ducklake-types.js";

describe("duckLakeTypeOf", () => {
  it("names DuckDB types the way DuckLake columns spell them", () => {
    expect(duckLakeTypeOf("BIGINT")).toBe("int64");
    expect(duckLakeTypeOf("TIMESTAMP WITH TIME ZONE")).toBe("timestamptz");
    expect(duckLakeTypeOf("DECIMAL(18,3)")).toBe("decimal(18,3)");
    expect(duckLakeTypeOf("UBIGINT")).toBe("uint64");
    expect(duckLakeTypeOf("VARIANT")).toBeUndefined();
  });
});

describe("encodeStatValue", () => {
  it("writes booleans as 0/1 and leaves bounds unknown where DuckLake has none", () => {
    expect(encodeStatValue("boolean", "false")).toBe("0");
    expect(encodeStatValue("boolean", "true")).toBe("1");
    expect(encodeStatValue("interval", "1 day")).toBeNull();
    expect(encodeStatValue("blob", "\\x00\\xFF")).toBeNull();
    expect(encodeStatValue("varchar", "SRP000001")).toBe("SRP000001");
    expect(encodeStatValue("int64", null)).toBeNull();
  });
});

describe("compareStatValues", () => {
  it("orders numbers numerically, not as strings", () => {
    expect(compareStatValues("int64", "9", "10")).toBeLessThan(0);
    expect(compareStatValues("uint64", "18446744073709551615", "18446744073709551614")).toBeGreaterThan(0);
    expect(compareStatValues("float64", "inf", "1e308")).toBeGreaterThan(0);
    expect(compareStatValues("float32", "-inf", "-3.5")).toBeLessThan(0);
    expect(compareStatValues("decimal(18,3)", "10.500", "9.999")).toBeGreaterThan(0);
  });

  it("orders strings by UTF-8 bytes, as Parquet does", () => {
    expect(compareStatValues("varchar", "zz", "étude")).toBeLessThan(0);
    expect(compareStatValues("date", "2020-01-02", "2020-01-10")).toBeLessThan(0);
    expect(compareStatValues("varchar", "a", "a")).toBe(0);
  });
});
