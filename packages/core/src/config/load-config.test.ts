import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { configJsonSchema } from "./config-schema.js";
import { findConfigFile, loadConfig, parseConfig } from "./load-config.js";
import { STARTER_CONFIG } from "./starter-config.js";

const base = "/srv/lab";
const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { file: "/srv/lab/omicslake.toml", baseDir: base, env });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("fills defaults and resolves paths against the config directory", () => {
    const config = parse("");
    expect(config.root).toBe("/srv/lab/.omicslake");
    expect(config.storage.url).toBe("file:///srv/lab/.omicslake/objects");
    expect(config.database).toEqual({ pgliteDir: "/srv/lab/.omicslake/catalog" });
    expect(config.server.port).toBe(8000);
    expect(config.server.host).toBe("127.0.0.1");
  });

  it("accepts the starter config and lists its model sections", () => {
    const config = parse(STARTER_CONFIG);
    expect(Object.keys(config.sources).sort()).toEqual(["geo"]);
    expect(config.datasets["geo-series"]).toMatchObject({
      source: "geo",
      role: "metadata",
      accessions: ["GSE2034"],
    });
    expect(config.roles["metadata"]?.run).toEqual(["metadata"]);
    expect(config.dataModel["geo-series"]?.steps.map((s) => s.name)).toEqual([
      "ingest",
      "parse",
      "consolidate",
    ]);
  });

  it("reads S3 storage and PostgreSQL settings", () => {
    const config = parse(`
[lake]
storage = "s3://bucket/prefix"
database = "postgres://u@db:5432/lake"
database_schema = "catalog"
[lake.s3]
endpoint = "http://127.0.0.1:9000"
force_path_style = true
object_lock_mode = "COMPLIANCE"
object_lock_days = 30
`);
    expect(config.storage).toMatchObject({
      url: "s3://bucket/prefix",
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      objectLock: { mode: "COMPLIANCE", retainDays: 30 },
    });
    expect(config.database).toEqual({ url: "postgres://u@db:5432/lake", schema: "catalog" });
  });

  it("names the file, line, section and key of a typo, with a suggestion", () => {
    const error = configError(() => parse(`[lake]\nroot = "x"\nstorag = "file:///tmp"\n`));
    expect(error.message).toContain("/srv/lab/omicslake.toml");
    expect(error.message).toContain('unknown key "storag"');
    expect(error.message).toContain('Did you mean "storage"?');
    expect(error.details).toMatchObject({ section: "lake", key: "storag", line: 3 });
  });

  it("rejects an unknown section and lists the allowed ones", () => {
    const error = configError(() => parse(`[lake]\n\n[servr]\nport = 1\n`));
    expect(error.message).toContain("unknown section [servr]");
    expect(error.message).toContain("Did you mean [server]?");
    expect(error.details).toMatchObject({ line: 3 });
  });

  it("rejects a dataset whose role does not exist", () => {
    const error = configError(() =>
      parse(`[source.geo]\nkind = "geo"\n[role.metadata]\n[data.series]\nsource = "geo"\nrole = "metdata"\n`),
    );
    expect(error.message).toContain('role "metdata" does not exist');
    expect(error.message).toContain('did you mean "metadata"?');
    expect(error.details).toMatchObject({ section: "data.series", key: "role", line: 6 });
  });

  it("rejects a dataset whose source does not exist", () => {
    const error = configError(() => parse(`[role.r]\n[data.d]\nsource = "nowhere"\nrole = "r"\n`));
    expect(error.message).toContain('source "nowhere" does not exist');
  });

  it("rejects a role naming missing processing", () => {
    const error = configError(() => parse(`[role.r]\nprocessing = ["nope"]\n`));
    expect(error.message).toContain('processing "nope" does not exist');
  });

  it("lists the registered kinds for an unknown one", () => {
    const error = configError(() => parse(`[source.x]\nkind = "ftp"\n`));
    expect(error.message).toMatch(
      /unknown source kind "ftp".*Source kinds: bioproject, biosample, geo, pubmed, sra/s,
    );
    expect(error.details).toMatchObject({ section: "source.x", key: "kind", line: 2 });
  });

  it("reports TOML syntax errors with line and column", () => {
    const error = configError(() => parse(`[lake]\nroot = unquoted\n`));
    expect(error.message).toContain("invalid TOML");
    expect(error.details).toMatchObject({ line: 2 });
  });

  it("reports a missing required key", () => {
    const error = configError(() => parse(`[source.geo]\nkind = "geo"\n[role.r]\n[data.d]\nrole = "r"\n`));
    expect(error.message).toContain('key "source"');
    expect(error.message).toContain("is required");
  });

  it("applies OMICSLAKE__SECTION__KEY overrides and DATABASE_URL", () => {
    const config = parse(`[server]\nport = 8000\n`, {
      OMICSLAKE__SERVER__PORT: "9100",
      OMICSLAKE__LAKE__ROOT: "/data/lake",
      OMICSLAKE__SOURCE__GEO__KIND: "geo",
      OMICSLAKE__SOURCE__GEO__API_KEY: "abc",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
    });
    expect(config.server.port).toBe(9100);
    expect(config.root).toBe("/data/lake");
    expect(config.sources["geo"]).toMatchObject({ kind: "geo", api_key: "abc" });
    expect(config.database).toEqual({ url: "postgres://postgres@127.0.0.1:5432/test" });
  });

  it("validates overridden values like file values", () => {
    const error = configError(() => parse("", { OMICSLAKE__SERVER__PORTT: "1" }));
    expect(error.message).toContain('unknown key "portt"');
  });

  it("exports a JSON Schema describing every section", () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual([
      "asset",
      "automation",
      "backup",
      "data",
      "expression",
      "lake",
      "metadata",
      "processing",
      "role",
      "server",
      "source",
    ]);
    expect(JSON.stringify(schema)).toContain("Where objects live");
    expect(JSON.stringify(schema)).toContain("Seconds between two evaluations of the automation conditions");
  });
});

describe("loadConfig", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "omicslake-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds omicslake.toml in a parent directory", async () => {
    writeFileSync(join(dir, "omicslake.toml"), `[server]\nport = 8123\n`);
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    expect(findConfigFile(join(dir, "a", "b"))).toBe(join(dir, "omicslake.toml"));
    const config = await loadConfig({ cwd: join(dir, "a", "b"), env: {} });
    expect(config.server.port).toBe(8123);
    expect(config.root).toBe(join(dir, ".omicslake"));
  });

  it("says how to create a config when none exists", async () => {
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(/omicslake init/);
  });
});
