import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { composeErrorMessage, formatLocation } from "./error-location.js";
import { NotFoundError, OmicslakeError, PolicyError } from "./omicslake-error.js";

describe("formatLocation", () => {
  it("writes every known part in one fixed order, labelled", () => {
    expect(
      formatLocation({
        record: "GSM1",
        key: "/X/indptr",
        section: "server",
        byteOffset: 9031,
        column: 7,
        line: 412,
        member: "data/x.rds",
        file: "upload.tar",
      }),
    ).toBe(
      'upload.tar, member "data/x.rds", line 412, column 7, byte 9031, [server], key "/X/indptr", record GSM1',
    );
  });

  it("leaves out what is not known, and keeps a zero line or offset", () => {
    expect(formatLocation({})).toBe("");
    expect(formatLocation({ byteOffset: 0 })).toBe("byte 0");
    expect(formatLocation({ file: "x.soft", line: undefined, record: "GSE1" })).toBe("x.soft, record GSE1");
  });
});

describe("composeErrorMessage", () => {
  it("puts the location first and the hint last", () => {
    expect(composeErrorMessage("expected a column index", { file: "m.mtx", line: 3 }, "Fix the line")).toBe(
      "m.mtx, line 3: expected a column index. Fix the line",
    );
    expect(composeErrorMessage("nothing to say where", {}, undefined)).toBe("nothing to say where");
  });
});

describe("OmicslakeError", () => {
  it("carries code, location, hint, cause and details, and a message in the one shape", () => {
    const cause = new Error("underlying");
    const error = new PolicyError("raw_immutable", "raw objects are never overwritten", {
      details: { dataset: "geo" },
      hint: "Add the file under a new name",
      cause,
    });
    expect(error).toBeInstanceOf(OmicslakeError);
    expect(error).toMatchObject({
      name: "PolicyError",
      code: "raw_immutable",
      hint: "Add the file under a new name",
      reason: "raw objects are never overwritten",
      details: { dataset: "geo" },
      message: "raw objects are never overwritten. Add the file under a new name",
    });
    expect(error.cause).toBe(cause);
    expect(error.location).toBeUndefined();
  });

  it("merges the location into details so clients and run records see where", () => {
    const error = new OmicslakeError("parse_failed", "bad record", {
      location: { file: "x.xml", byteOffset: 12 },
      details: { dataset: "biosample" },
    });
    expect(error.details).toEqual({ file: "x.xml", byteOffset: 12, dataset: "biosample" });
    expect(error.message).toBe("x.xml, byte 12: bad record");
  });

  it("keeps the shape of subclasses that build their own message", () => {
    expect(new NotFoundError("dataset", "x").message).toBe('dataset "x" does not exist');
    const config = new ConfigError("port must be a number", {
      variable: "OMICSLAKE__SERVER__PORT",
      section: "server",
      key: "port",
    });
    expect(config.message).toBe(
      'environment variable OMICSLAKE__SERVER__PORT, [server], key "port": port must be a number',
    );
    expect(config.details).toMatchObject({
      variable: "OMICSLAKE__SERVER__PORT",
      section: "server",
      key: "port",
    });
  });
});
