import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ConflictError, NotFoundError, OmicslakeError } from "@omicslake/core";
import { FormatError } from "@omicslake/formats";
import { ParseError } from "@omicslake/parsers";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { classifyError, errorBody, installErrorHandler } from "./error-handler.js";
import type { ErrorBody } from "./error-handler.js";

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

  it("answers parse and conversion errors with their 4xx status, their location and their hint", () => {
    const parse = new ParseError(
      "malformed_soft_line",
      'expected "key = value"',
      { file: "GSE1.soft", line: 412, byteOffset: 9031, record: "GSE1" },
      { hint: "Check the file is GEO SOFT text" },
    );
    expect(classifyError(parse)).toEqual({
      status: 422,
      code: "malformed_soft_line",
      message:
        'GSE1.soft, line 412, byte 9031, record GSE1: expected "key = value". Check the file is GEO SOFT text',
      details: { file: "GSE1.soft", line: 412, byteOffset: 9031, record: "GSE1" },
    });
    const format = new FormatError("csv_malformed", "CSV: expected 3 fields, got 2", {
      file: "cells.csv",
      line: 4,
      hint: "Fix the row",
    });
    expect(classifyError(format)).toEqual({
      status: 422,
      code: "csv_malformed",
      message: "cells.csv, line 4: CSV: expected 3 fields, got 2. Fix the row",
      details: { file: "cells.csv", line: 4 },
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

describe("installErrorHandler", () => {
  /** A bare Fastify app with the handler installed, its log kept in `lines`, and one route per thrown value. */
  async function appThrowing(errors: Record<string, () => Promise<unknown>>) {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const app = Fastify({ logger: { level: "error", stream } });
    installErrorHandler(app);
    for (const [path, run] of Object.entries(errors)) app.get(`/${path}`, run);
    await app.ready();
    return { app, lines };
  }

  it("answers an errno, a database constraint error and a bug with a generic 500 and logs each with its stack", async () => {
    const missing = join(tmpdir(), "omicslake-no-such-dir", "objects", "raw", "secret-name.soft");
    const { app, lines } = await appThrowing({
      enoent: () => readFile(missing),
      unique: () =>
        Promise.reject(
          Object.assign(new Error('duplicate key value violates unique constraint "datasets_name_key"'), {
            code: "23505",
            constraint: "datasets_name_key",
            detail: "Key (name)=(geo) already exists.",
          }),
        ),
      bug: () => Promise.reject(new Error("a bug's own words")),
    });
    try {
      for (const [path, hidden] of [
        ["enoent", missing],
        ["unique", "datasets_name_key"],
        ["bug", "a bug's own words"],
      ] as const) {
        const response = await app.inject({ method: "GET", url: `/${path}` });
        expect(response.statusCode, path).toBe(500);
        const body = response.json<ErrorBody>();
        expect(body.error).toMatchObject({ code: "internal_error", message: "Internal server error" });
        expect(body.error.details["request_id"], path).toEqual(expect.any(String));
        expect(response.body, path).not.toContain(hidden);
        const logged = lines.find((line) => line.includes(String(body.error.details["request_id"])));
        expect(logged, path).toBeDefined();
        expect(logged, path).toContain(JSON.stringify(hidden).slice(1, -1));
        expect((JSON.parse(logged!) as { err: { stack?: string } }).err.stack, path).toMatch(/\n\s+at /);
      }
    } finally {
      await app.close();
    }
  });

  it("answers a ParseError and a FormatError with their status, location and hint, without logging them", async () => {
    const { app, lines } = await appThrowing({
      parse: () =>
        Promise.reject(
          new ParseError("truncated_xml", "the input ended inside <SAMPLE>", {
            file: "x.xml",
            byteOffset: 77,
          }),
        ),
      format: () =>
        Promise.reject(
          new FormatError("archive_unsafe_member", "has an absolute path; refusing to extract", {
            file: "upload.tar",
            member: "/etc/passwd",
            hint: "Re-create the archive with relative paths",
          }),
        ),
    });
    try {
      const parse = await app.inject({ method: "GET", url: "/parse" });
      expect(parse.statusCode).toBe(422);
      expect(parse.json<ErrorBody>().error).toMatchObject({
        code: "truncated_xml",
        message: "x.xml, byte 77: the input ended inside <SAMPLE>",
        details: { file: "x.xml", byteOffset: 77 },
      });
      const format = await app.inject({ method: "GET", url: "/format" });
      expect(format.statusCode).toBe(422);
      expect(format.json<ErrorBody>().error).toMatchObject({
        code: "archive_unsafe_member",
        message:
          'upload.tar, member "/etc/passwd": has an absolute path; refusing to extract. Re-create the archive with relative paths',
        details: { file: "upload.tar", member: "/etc/passwd" },
      });
      expect(lines).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
