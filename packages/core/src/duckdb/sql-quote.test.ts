import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/omicslake-error.js";
import { sqlIdentifier, sqlList, sqlString } from "./sql-quote.js";

describe("sqlString", () => {
  it("doubles single quotes and leaves everything else as it is", () => {
    expect(sqlString("plain")).toBe("'plain'");
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("'); DROP TABLE x; --")).toBe("'''); DROP TABLE x; --'");
    expect(sqlString('back\\slash "dq"\nline')).toBe("'back\\slash \"dq\"\nline'");
    expect(sqlString("")).toBe("''");
  });

  it("refuses a NUL character with the value in the error", () => {
    expect(() => sqlString("a\0b")).toThrow(ValidationError);
    expect(() => sqlString("a\0b")).toThrow(/"a\\u0000b" contains a NUL character/);
  });
});

describe("sqlIdentifier", () => {
  it("doubles double quotes so a hostile name stays one identifier", () => {
    expect(sqlIdentifier("col")).toBe('"col"');
    expect(sqlIdentifier('my "col"')).toBe('"my ""col"""');
    expect(sqlIdentifier('x" FROM t; --')).toBe('"x"" FROM t; --"');
    expect(sqlIdentifier("it's")).toBe('"it\'s"');
  });

  it("refuses an empty name and a NUL character", () => {
    expect(() => sqlIdentifier("")).toThrow(/empty name/);
    expect(() => sqlIdentifier("a\0")).toThrow(ValidationError);
  });
});

describe("sqlList", () => {
  it("quotes every element", () => {
    expect(sqlList(["a.parquet", "b's.parquet"])).toBe("['a.parquet', 'b''s.parquet']");
    expect(sqlList([])).toBe("[]");
  });

  it("refuses an element with a NUL character", () => {
    expect(() => sqlList(["ok", "bad\0"])).toThrow(ValidationError);
  });
});
