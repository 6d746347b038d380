import { describe, expect, it } from "vitest";
import { publicPath, publicPathsIn, publicRunRecord } from "./public-run-record.js";

describe("publicPath", () => {
  it("makes a path inside the lake lake-relative and any other absolute path its base name", () => {
    expect(publicPath("/srv/lake/downloads/partial/x.csv", "/srv/lake")).toBe("downloads/partial/x.csv");
    expect(publicPath("/srv/lake", "/srv/lake/")).toBe(".");
    expect(publicPath("/home/alice/data/x.csv", "/srv/lake")).toBe("x.csv");
    expect(publicPath("/srv/lake-other/x.csv", "/srv/lake")).toBe("x.csv");
    expect(publicPath("/home/alice/data/x.csv")).toBe("x.csv");
    expect(publicPath("data/x.csv", "/srv/lake")).toBe("data/x.csv");
  });
});

describe("publicPathsIn", () => {
  it("rewrites absolute paths in messages, file URLs included, and leaves URLs and store keys alone", () => {
    const root = "/srv/lake";
    expect(publicPathsIn("cannot read /home/alice/data/x.csv: ENOENT", root)).toBe(
      "cannot read x.csv: ENOENT",
    );
    expect(publicPathsIn("ENOENT: no such file or directory, open '/srv/lake/objects/.tmp/ab'", root)).toBe(
      "ENOENT: no such file or directory, open 'objects/.tmp/ab'",
    );
    expect(publicPathsIn("store file:///srv/lake/objects is full.", root)).toBe("store objects is full.");
    expect(publicPathsIn("/home/alice/x.csv", root)).toBe("x.csv");
    for (const text of [
      "GET https://h.example/entrez/eutils/esearch.fcgi answered 500",
      "fetched accessions/GSE1.soft → raw/geo/accessions/GSE1.soft",
      "ratio 3/4",
    ]) {
      expect(publicPathsIn(text, root)).toBe(text);
    }
  });
});

describe("publicRunRecord", () => {
  it("redacts secrets and makes paths public in every string of a record", () => {
    const record = publicRunRecord(
      {
        message: "GET https://h/e?api_key=sekrit123 failed after 4 attempts",
        details: { file: "/home/alice/data/x.csv", url: "postgres://u:sekrit123@db/lake" },
      },
      "/srv/lake",
    );
    expect(record).toEqual({
      message: "GET https://h/e?api_key=REDACTED failed after 4 attempts",
      details: { file: "x.csv", url: "postgres://u:REDACTED@db/lake" },
    });
  });
});
