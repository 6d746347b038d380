import { describe, expect, it } from "vitest";
import { datasetAutomation, datasetSteps, scheduleAutomation } from "./check-settings.js";
import { ConfigError } from "./config-error.js";
import { parseConfig } from "./load-config.js";

const FILE = "/srv/lab/omicslake.toml";
const parse = (text: string) => parseConfig(text, { file: FILE, baseDir: "/srv/lab", env: {} });

/** The ConfigError `text` is refused with; fails the test when it is accepted. */
function refusal(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

const GEO = `[source.geo]\nkind = "geo"\n[role.metadata]\n`;
const SRA = `[source.sra]\nkind = "sra"\n[role.metadata]\n`;

describe("settings nothing honours are refused with file, line, key and why", () => {
  it("refuses [expression] settings the engine would not read", () => {
    const noUrl = refusal(`[expression]\nengine = "clickhouse"\n`);
    expect(noUrl.message).toContain('engine = "clickhouse" needs the server\'s url');
    expect(noUrl.details).toMatchObject({ section: "expression", key: "url", line: 1 });
    const stray = refusal(`[expression]\nurl = "http://127.0.0.1:8123"\n`);
    expect(stray.message).toContain('only read when engine = "clickhouse"');
    expect(stray.details).toMatchObject({ section: "expression", key: "url", line: 2 });
    expect(refusal(`[expression]\nmemory_limit = "lots"\n`).message).toContain("must be a size");
    const ok = parse(
      `[expression]\nengine = "clickhouse"\nurl = "http://127.0.0.1:8123"\nmax_result_values = 5\n`,
    );
    expect(ok.expression).toMatchObject({
      engine: "clickhouse",
      database: "omicslake",
      max_result_values: 5,
    });
    expect(parse("").expression).toMatchObject({ engine: "duckdb", max_result_values: 20_000_000 });
  });

  it("refuses a kind nobody registered, naming the kinds there are", () => {
    const error = refusal(`[lake]\n\n[source.s]\nkind = "ftp-mirror"\n`);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('unknown source kind "ftp-mirror"');
    expect(error.message).toContain("geo");
    expect(error.details).toMatchObject({ section: "source.s", key: "kind", line: 4 });
  });

  it("refuses a step named bogus-step, naming the steps there are", () => {
    const error = refusal(`[processing.p]\nsteps = ["parse", "bogus-step"]\n`);
    expect(error.message).toContain('unknown step "bogus-step"');
    expect(error.message).toContain("ingest, parse, convert, consolidate");
    expect(error.details).toMatchObject({ section: "processing.p", key: "steps", line: 2 });
  });

  it("refuses consolidate before parse, and processing options", () => {
    expect(refusal(`[processing.p]\nsteps = ["consolidate", "parse"]\n`).message).toContain(
      "cannot come first",
    );
    expect(refusal(`[processing.p]\nsteps = ["parse"]\noptions = { threads = 4 }\n`).details).toMatchObject({
      key: "options",
      line: 3,
    });
  });

  it("takes schedule as a shorthand of automation, and refuses one that is not a schedule or both keys", () => {
    const base = `${GEO}[data.d]\nsource = "geo"\nrole = "metadata"\naccessions = ["GSE1"]\n`;
    const nonsense = refusal(`${base}schedule = "whenever I feel like it"\n`);
    expect(nonsense.message).toContain('schedule "whenever I feel like it" is not a schedule');
    expect(nonsense.details).toMatchObject({ section: "data.d", key: "schedule", line: 8 });
    const both = refusal(`${base}schedule = "eager"\nautomation = "manual"\n`);
    expect(both.message).toContain("set one");
    expect(both.details).toMatchObject({ section: "data.d", key: "schedule", line: 8 });
    const cron = parse(`${base}schedule = "cron: 0 3 * * *"\n`).datasets["d"]!;
    expect(datasetAutomation(cron)).toEqual({ text: 'on_cron("0 3 * * *")', key: "schedule" });
    expect(datasetAutomation(parse(`${base}schedule = "eager"\n`).datasets["d"]!)?.text).toBe("eager");
    const own = parse(`${base}automation = 'on_cron("0 * * * *")'\n`).datasets["d"]!;
    expect(datasetAutomation(own)).toEqual({ text: 'on_cron("0 * * * *")', key: "automation" });
    expect(datasetAutomation(parse(base).datasets["d"]!)).toBeUndefined();
    expect(scheduleAutomation('cron: 0 "3" * * *')).toBeUndefined();
  });

  it("reads [automation] with its defaults and refuses values out of range", () => {
    expect(parse("").automation).toEqual({ daemon: false, interval: 30, concurrency: 2, runner: "auto" });
    expect(
      parse(`[automation]\ndaemon = true\ninterval = 5\nrunner = "in-process"\n`).automation,
    ).toMatchObject({
      daemon: true,
      interval: 5,
      runner: "in-process",
    });
    expect(refusal(`[automation]\ninterval = 0\n`).details).toMatchObject({
      section: "automation",
      key: "interval",
      line: 2,
    });
    // Past a 32-bit timer Node fires at once: a month-long interval would make the daemon spin.
    expect(refusal(`[automation]\ninterval = 3000000\n`).message).toContain("at most 86400");
    expect(refusal(`[automation]\nrunner = "celery"\n`).message).toContain('must be one of "auto"');
    const boss = refusal(`[automation]\nrunner = "pg-boss"\n`);
    expect(boss.message).toContain("needs a PostgreSQL catalog");
    expect(boss.details).toMatchObject({ section: "automation", key: "runner", line: 2 });
    const onPostgres = parseConfig(`[automation]\nrunner = "pg-boss"\n`, {
      file: FILE,
      baseDir: "/srv/lab",
      env: { DATABASE_URL: "postgres://u@db/x" },
    });
    expect(onPostgres.automation.runner).toBe("pg-boss");
  });

  it('reads [asset."KEY"] tables and refuses keys that are not asset keys or unknown settings', () => {
    const config = parse(
      `[asset."metadata/serving"]\nautomation = "eager"\nretries = 0\nretry_delay = 30\nretry_backoff = "constant"\nconcurrency = 1\ntags = ["nightly"]\n`,
    );
    expect(config.assets["metadata/serving"]).toEqual({
      automation: "eager",
      retries: 0,
      retry_delay: 30,
      retry_backoff: "constant",
      concurrency: 1,
      tags: ["nightly"],
    });
    const key = refusal(`[asset."Data/Geo"]\nretries = 1\n`);
    expect(key.message).toContain('"Data/Geo" is not an asset key');
    expect(key.details).toMatchObject({ section: 'asset."Data/Geo"', line: 1 });
    const typo = refusal(`[asset."lake/backup"]\nretrys = 1\n`);
    expect(typo.message).toContain('unknown key "retrys"');
    expect(typo.message).toContain('Did you mean "retries"?');
    expect(typo.details).toMatchObject({ section: "asset.lake/backup", key: "retrys", line: 2 });
    expect(refusal(`[asset."lake/backup"]\nretries = -1\n`).details).toMatchObject({ key: "retries" });
    expect(refusal(`[asset."lake/backup"]\nretry_delay = 3000000\n`).details).toMatchObject({
      key: "retry_delay",
    });
  });

  it("refuses layout, path and subdir", () => {
    expect(refusal(`[source.s]\nkind = "sra"\nlayout = "{Species}/{accession}/*"\n`).details).toMatchObject({
      key: "layout",
      line: 3,
    });
    expect(refusal(`[source.s]\nkind = "sra"\npath = "/data"\n`).details).toMatchObject({
      key: "path",
      line: 3,
    });
    expect(
      refusal(`${SRA}[data.d]\nsource = "sra"\nrole = "metadata"\nsubdir = "x"\n`).details,
    ).toMatchObject({ key: "subdir", line: 7 });
  });

  it("refuses an api_key or email on sources that never send them", () => {
    const error = refusal(`[source.s]\nkind = "pubmed"\napi_key = "abc"\n`);
    expect(error.message).toContain('a pubmed source has no key "api_key"');
    expect(error.details).toMatchObject({ key: "api_key", line: 3 });
    expect(
      parse(`[source.g]\nkind = "geo"\napi_key = "abc"\nemail = "a@b.org"\n`).sources["g"]?.api_key,
    ).toBe("abc");
  });

  it("checks accessions by source kind: SRA studies, GEO accessions, none elsewhere", () => {
    const data = (kind: string, accessions: string) =>
      `[source.s]\nkind = "${kind}"\n[role.metadata]\n[data.d]\nsource = "s"\nrole = "metadata"\naccessions = ${accessions}\n`;
    expect(
      parse(data("sra", `["SRP000001", "ERP000002", "DRP000003"]`)).datasets["d"]?.accessions,
    ).toHaveLength(3);
    const run = refusal(data("sra", `["SRR000001"]`));
    expect(run.message).toContain("SRA study accessions");
    expect(run.details).toMatchObject({ section: "data.d", key: "accessions", line: 7 });
    expect(refusal(data("geo", `["SRP1"]`)).message).toContain("GEO accessions");
    expect(refusal(data("pubmed", `["PMID1"]`)).message).toContain(
      'a pubmed dataset has no key "accessions"',
    );
  });

  it("refuses unknown option keys and wrong values, per source kind, with a suggestion", () => {
    const unknown = refusal(`[source.s]\nkind = "sra"\noptions = { set = ["run"] }\n`);
    expect(unknown.message).toContain('a "sra" source has no option "set"');
    expect(unknown.message).toContain('Did you mean "sets"?');
    expect(unknown.details).toMatchObject({ section: "source.s", key: "options.set", line: 3 });
    expect(refusal(`[source.s]\nkind = "sra"\noptions = { sets = ["runs"] }\n`).message).toContain(
      "must be one of study",
    );
    expect(
      refusal(`[source.s]\nkind = "geo"\n[source.s.options]\nmonths = ["May 2024"]\n`).details,
    ).toMatchObject({ key: "options.months", line: 4 });
    expect(
      refusal(`${GEO}[data.d]\nsource = "geo"\nrole = "metadata"\noptions = { concurrency = 0 }\n`).message,
    ).toContain("positive integer");
    const ok = parse(
      `[source.s]\nkind = "geo"\noptions = { months = ["2024-05"], targ = "self", timeout_ms = 5000 }\n`,
    );
    expect(ok.sources["s"]?.options).toMatchObject({ targ: "self" });
  });

  it("validates [metadata] max_shrink as a share between 0 and 1", () => {
    expect(parse("").metadata.max_shrink).toBe(0.5);
    expect(parse(`[metadata]\nmax_shrink = 0.1\n`).metadata.max_shrink).toBe(0.1);
    const error = refusal(`[metadata]\nmax_shrink = 1.5\n`);
    expect(error.message).toContain("between 0 and 1");
    expect(error.details).toMatchObject({ section: "metadata", key: "max_shrink", line: 2 });
  });

  it("gives a dataset the steps of its processing sections, or every step when it names none", () => {
    const config = parse(
      `${GEO}[processing.fetch-only]\nsteps = ["parse"]\n[role.raw-only]\nprocessing = ["fetch-only"]\n` +
        `[data.a]\nsource = "geo"\nrole = "metadata"\naccessions = ["GSE1"]\n` +
        `[data.b]\nsource = "geo"\nrole = "raw-only"\naccessions = ["GSE2"]\n`,
    );
    expect(datasetSteps(config, "a")).toEqual(["parse", "consolidate"]);
    expect(datasetSteps(config, "b")).toEqual(["parse"]);
  });

  it("refuses [lake.s3] without s3 storage, and database_schema on a PGlite catalog", () => {
    const s3 = refusal(`[lake]\nroot = "x"\n[lake.s3]\nregion = "eu-west-1"\n`);
    expect(s3.message).toContain("only read when [lake] storage is an s3:// URL");
    expect(s3.details).toMatchObject({ section: "lake.s3", line: 3 });
    expect(parse(`[lake]\nstorage = "s3://b/p"\n[lake.s3]\nregion = "eu-west-1"\n`).storage.region).toBe(
      "eu-west-1",
    );
    const schema = refusal(`[lake]\ndatabase_schema = "catalog"\n`);
    expect(schema.details).toMatchObject({ section: "lake", key: "database_schema", line: 2 });
    const withUrl = parseConfig(`[lake]\ndatabase_schema = "catalog"\n`, {
      file: FILE,
      baseDir: "/srv/lab",
      env: { DATABASE_URL: "postgres://u@db/x" },
    });
    expect(withUrl.database).toEqual({ url: "postgres://u@db/x", schema: "catalog" });
  });
});
