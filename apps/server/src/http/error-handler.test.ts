import { ConflictError, NotFoundError, OmicslakeError } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import { classifyError, errorBody } from "./error-handler.js";

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe("classifyError", () => {
  it("passes the project's own errors through with their code and details", () => {
    expect(classifyError(new NotFoundError("dataset", "x"))).toMatchObject({
      status: 404,
      code: "not_found",
      details: { what: "dataset", id: "x" },
    });
    expect(classifyError(new ConflictError("taken"))).toMatchObject({
      status: 409,
      code: "conflict",
      message: "taken",
    });
    expect(classifyError(new OmicslakeError("fetch_failed", "upstream said 503"))).toMatchObject({
      status: 502,
      message: "upstream said 503",
    });
  });

  it("passes parser and converter errors through, as 422 unless their code maps elsewhere", () => {
    const parse = Object.assign(coded("mtx_malformed", "line 3: bad"), {
      name: "ParseError",
      details: { line: 3 },
    });
    expect(classifyError(parse)).toMatchObject({
      status: 422,
      code: "mtx_malformed",
      message: "line 3: bad",
      details: { line: 3 },
    });
    const format = Object.assign(coded("csv_malformed", "bad csv"), {
      name: "FormatError",
      file: "a.csv",
      location: "line 2",
    });
    expect(classifyError(format)).toMatchObject({
      status: 422,
      code: "csv_malformed",
      details: { file: "a.csv", location: "line 2" },
    });
  });

  it("never passes through an error that merely has a string code", () => {
    for (const error of [
      coded("ENOENT", "ENOENT: no such file or directory, open '/srv/lake/objects/raw/x'"),
      coded("23505", 'duplicate key value violates unique constraint "datasets_name_key"'),
      coded("42P01", 'relation "secret_table" does not exist'),
      coded("not_found", "a look-alike that is not an OmicslakeError"),
      new TypeError("Cannot read properties of undefined"),
      "a thrown string",
    ]) {
      const classified = classifyError(error);
      expect(classified).toEqual({
        status: 500,
        code: "internal_error",
        message: "Internal server error",
        details: {},
      });
    }
  });

  it("answers database data exceptions (bad characters, dates, numbers) with a generic 400", () => {
    for (const code of ["22021", "22007", "22008", "22003", "22P02"]) {
      const classified = classifyError(coded(code, "invalid byte sequence for encoding UTF8: 0x00"));
      expect(classified.status, code).toBe(400);
      expect(classified.code).toBe("invalid_input");
      expect(classified.message).not.toContain("0x00");
    }
  });

  it("maps Fastify's errors to the project's codes and words", () => {
    const fastify = (code: string, statusCode: number): Error =>
      Object.assign(coded(code, "framework words"), { statusCode });
    expect(classifyError(fastify("FST_ERR_CTP_INVALID_MEDIA_TYPE", 415))).toMatchObject({
      status: 415,
      code: "unsupported_media_type",
    });
    expect(classifyError(fastify("FST_ERR_CTP_BODY_TOO_LARGE", 413))).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
    expect(classifyError(fastify("FST_ERR_BAD_URL", 400))).toMatchObject({
      status: 400,
      code: "bad_request",
    });
    expect(classifyError(fastify("FST_ERR_MAX_PARAM_LENGTH", 414))).toMatchObject({
      status: 414,
      code: "uri_too_long",
    });
    expect(classifyError(fastify("FST_ERR_SOMETHING_NEW", 400))).toMatchObject({
      status: 400,
      code: "bad_request",
      message: "the request is not valid",
    });
  });

  it("never sends an upstream's api_key or a connection string's password in an error body", () => {
    const error = new OmicslakeError(
      "fetch_failed",
      "GET https://eutils.example/esearch.fcgi?db=gds&api_key=sekrit123 answered 500",
      {
        details: {
          url: "https://eutils.example/x?api_key=sekrit123",
          database: "postgres://lab:hunter2@db/lake",
        },
      },
    );
    const body = JSON.stringify(errorBody(classifyError(error), "req-1"));
    expect(body).not.toContain("sekrit123");
    expect(body).not.toContain("hunter2");
    expect(body).toContain("api_key=");
    expect(body).toContain("req-1");
  });
});
