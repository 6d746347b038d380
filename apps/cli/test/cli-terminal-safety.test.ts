import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeUpstream } from "@omicslake/core/testing";
import { runInProcess, type CliResult } from "./support/run-in-process.js";

// The CLI in this process (runCli: the binary's commands and output), so that the fake upstream here
// answers its requests.
const ESC = "\x1b";
const SECRET = "sekrit123";

function run(cwd: string, ...args: string[]): Promise<CliResult> {
  return runInProcess(cwd, args);
}

describe("what the CLI writes to the terminal", () => {
  let dir: string;
  let fake: FakeUpstream;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-tty-"));
    await writeFile(join(dir, "omicslake.toml"), '[lake]\nroot = "lake"\n');
    fake = await FakeUpstream.start();
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("escapes terminal control sequences from a file's name and content in a parse error", async () => {
    const name = `bad${ESC}[31m.soft`;
    await writeFile(join(dir, name), `^SERIES = GSE1\n${ESC}[31mred${ESC}]0;retitled\x07\x9b2J\n`);
    const result = await run(dir, "parse", "geo", name);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("malformed_soft_line");
    expect(result.stderr).not.toContain(ESC);
    expect(result.stderr).not.toContain("\x07");
    expect(result.stderr).not.toContain("\x9b");
    expect(result.stderr).toContain("bad\\x1b[31m.soft");
    expect(result.stderr).toContain("\\x1b[31mred\\x1b]0;retitled\\x07\\x9b2J");
  });

  it("prints a SOFT line read as Latin-1 as a warning on stderr, the records staying whole on stdout", async () => {
    const name = `latin1${ESC}[2J.soft`;
    await writeFile(
      join(dir, name),
      Buffer.concat([
        Buffer.from("^SERIES = GSE1\n"),
        Buffer.from("!Series_title = Universit\u00e9 de Montr\u00e9al\n", "latin1"),
      ]),
    );
    const result = await run(dir, "parse", "geo", name);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accession: "GSE1", title: "Université de Montréal" });
    expect(result.stderr).toContain(
      "warning: GEO SOFT latin1\\x1b[2J.soft line 2 (GSE1): not valid UTF-8; decoded as Latin-1 (Windows-1252)",
    );
    expect(result.stderr).not.toContain(ESC);
  });

  it("escapes control characters in a missing file's name and in commander's own errors", async () => {
    const add = await run(dir, "add", `missing${ESC}[2J.csv`, "--dataset", "d");
    expect(add.code).toBe(1);
    expect(add.stderr).toContain("missing\\x1b[2J.csv");
    expect(add.stderr).not.toContain(ESC);
    const usage = await run(dir, `--bogus${ESC}[31m`);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("\\x1b[31m");
    expect(usage.stderr).not.toContain(ESC);
  });

  it("prints retry lines and the failure of an upstream that fails without its api_key", async () => {
    // One 500 (retried), then a 403 (final), so the test needs a single backoff.
    fake.fault("eutils/esearch.fcgi", { kind: "status", status: 500 }, { kind: "status", status: 403 });
    await writeFile(
      join(dir, "omicslake.toml"),
      [
        "[lake]",
        `root = "ingest"`,
        "[source.geo]",
        `kind = "geo"`,
        `url = "${fake.url("geo/")}"`,
        `api_key = "${SECRET}"`,
        `options = { eutils_url = "${fake.url("eutils/")}" }`,
        "[role.metadata]",
        "[data.geo-months]",
        `source = "geo"`,
        `role = "metadata"`,
        `options = { months = ["2022-03"] }`,
        "",
      ].join("\n"),
    );
    const result = await run(dir, "ingest", "geo-months");
    expect(fake.requestsTo("eutils/esearch.fcgi").map((r) => r.query.get("api_key"))).toEqual([
      SECRET,
      SECRET,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /retrying http:\/\/127\.0\.0\.1:\d+\/eutils\/esearch\.fcgi\?.*api_key=REDACTED.*answered 500/,
    );
    expect(result.stdout).toContain("api_key=REDACTED");
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });
});
