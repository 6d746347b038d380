import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type * as Core from "@omicslake/core";
import { runInProcess } from "./support/run-in-process.js";

// How a failed command ends: user errors exit 1 with the message that locates the problem, usage errors
// exit 2, bugs exit 70 and say they are bugs; with --json the error is one JSON object on stderr.

const ESC = "\x1b";
const SECRET = "sekrit123";

interface JsonErrorShape {
  error: {
    code: string;
    message: string;
    hint?: string;
    location?: unknown;
    details?: Record<string, unknown>;
  };
}

function parseJsonError(stderr: string): JsonErrorShape {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as JsonErrorShape;
}

describe("CLI errors", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-errors-"));
    await writeFile(join(dir, "omicslake.toml"), "[server]\nprot = 8000\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.doUnmock("@omicslake/core");
    vi.resetModules();
  });

  it("exits 1 on a user error with the file and line in the message, and no bug report", async () => {
    const result = await runInProcess(dir, ["config", "check"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error \[[a-z_]+\]: /);
    expect(result.stderr).toContain("omicslake.toml");
    expect(result.stderr).toContain("line 2");
    expect(result.stderr).not.toContain("a bug");
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it("with --json, writes a user error as one JSON object with its code, message and hint", async () => {
    const result = await runInProcess(dir, ["--json", "config", "check"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const { error } = parseJsonError(result.stderr);
    expect(error.code).not.toBe("internal");
    expect(error.message).toContain("line 2");
    expect(error.hint).toContain('"port"');
  });

  it("with --json, writes usage errors as JSON with code usage, exiting 2", async () => {
    const unknown = await runInProcess(dir, ["--json", `--bogus${ESC}[31m`]);
    expect(unknown.code).toBe(2);
    const { error } = parseJsonError(unknown.stderr);
    expect(error).toEqual({ code: "usage", message: `unknown option '--bogus${ESC}[31m'` });
    expect(unknown.stderr).not.toContain(ESC);
    const own = await runInProcess(dir, ["catalog", "ls", "--limit", "0", "--json"]);
    expect(own.code).toBe(2);
    expect(parseJsonError(own.stderr).error.code).toBe("usage");
  });

  it("exits 70 on a bug, says it is one and asks for a report; the stack only with --verbose", async () => {
    vi.doMock("@omicslake/core", async (importOriginal) => ({
      ...(await importOriginal<typeof Core>()),
      loadConfig: () =>
        Promise.reject(
          new TypeError(`cannot read properties of undefined after GET https://h/e?api_key=${SECRET}`),
        ),
    }));
    const quiet = await runInProcess(dir, ["config", "check"]);
    expect(quiet.code).toBe(70);
    expect(quiet.stderr).toContain("omicslake: internal error (a bug): cannot read properties of undefined");
    expect(quiet.stderr).toContain("please report it");
    expect(quiet.stderr).toContain("--verbose");
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    expect(quiet.stderr).not.toContain(SECRET);

    const verbose = await runInProcess(dir, ["--verbose", "config", "check"]);
    expect(verbose.code).toBe(70);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect(verbose.stderr).not.toContain(SECRET);

    const json = await runInProcess(dir, ["config", "check", "--json"]);
    expect(json.code).toBe(70);
    const { error } = parseJsonError(json.stderr);
    expect(error.code).toBe("internal");
    expect(error.message).toContain("cannot read properties of undefined");
    expect(json.stderr).toContain("api_key=REDACTED");
    expect(json.stderr).not.toContain(SECRET);
  });

  it("escapes terminal controls that JSON leaves alone (DEL, C1, bidi) in a JSON error", async () => {
    vi.doMock("@omicslake/core", async (importOriginal) => {
      const core = await importOriginal<typeof Core>();
      return {
        ...core,
        loadConfig: () => Promise.reject(new core.ValidationError(`bad\u202ename\x9b2J${ESC}[31m`)),
      };
    });
    const result = await runInProcess(dir, ["--json", "config", "check"]);
    expect(result.code).toBe(1);
    for (const control of [ESC, "\x9b", "\u202e"]) expect(result.stderr).not.toContain(control);
    expect(parseJsonError(result.stderr).error).toMatchObject({
      code: "invalid_input",
      message: `bad\u202ename\x9b2J${ESC}[31m`,
    });
  });
});
