import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config/index.js";

// An override's bad value must be blamed on its variable: the file may not have the key at all, or hold a
// valid value on the very line a file-based message would send the user to.
const FILE = "/srv/lab/omicslake.toml";

function configError(text: string, env: Record<string, string>): ConfigError {
  try {
    parseConfig(text, { file: FILE, baseDir: "/srv/lab", env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("errors in values set by OMICSLAKE__ environment variables", () => {
  it("names the variable, not the file line that holds a valid value", () => {
    const error = configError("[server]\nport = 8000\n", { OMICSLAKE__SERVER__PORT: "abc" });
    expect(error.message).toContain("environment variable OMICSLAKE__SERVER__PORT");
    expect(error.message).toContain('key "port"');
    expect(error.message).not.toContain(FILE);
    expect(error.message).not.toContain("line 2");
    expect(error.details).toMatchObject({
      variable: "OMICSLAKE__SERVER__PORT",
      section: "server",
      key: "port",
    });
  });

  it("names the variable for an unknown key and for a refused setting the file does not have", () => {
    const unknown = configError("", { OMICSLAKE__SERVER__BOGUS: "1" });
    expect(unknown.message).toContain("environment variable OMICSLAKE__SERVER__BOGUS");
    expect(unknown.message).not.toContain(FILE);

    const source =
      '[source.geo]\nkind = "geo"\n[role.m]\n[data.g]\nsource = "geo"\nrole = "m"\naccessions = ["GSE1"]\n';
    const refused = configError(source, { OMICSLAKE__DATA__G__SCHEDULE: "whenever" });
    expect(refused.message).toContain("environment variable OMICSLAKE__DATA__G__SCHEDULE");
    expect(refused.message).toContain('key "schedule"');
    expect(refused.message).not.toContain(FILE);
  });

  it("keeps the file's line for a problem in the file while other keys are overridden", () => {
    const error = configError('[server]\nport = "x"\n', { OMICSLAKE__SERVER__HOST: "0.0.0.0" });
    expect(error.message).toContain(`${FILE}, line 2, [server], key "port"`);
    expect(error.message).not.toContain("OMICSLAKE__SERVER__HOST");
  });
});
