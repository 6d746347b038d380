import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command, Help } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/command-table.js";
import { runInProcess } from "./support/run-in-process.js";

// Commands are listed from a table and their modules loaded only when they run: these tests make sure
// the help loses none of them, that the table says what the real definitions say, and that --help
// really loads none of the heavy modules.
const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const NCBI = fileURLToPath(new URL("../../../../shared/fixtures/ncbi/", import.meta.url));

/** Every top-level command as the command modules define it, registered on a scratch program. */
async function registeredCommands(): Promise<Command[]> {
  const program = new Command();
  const loaded = new Set<unknown>();
  for (const entry of COMMANDS) {
    const register = await entry.load();
    if (loaded.has(register)) continue; // one module defines several commands
    loaded.add(register);
    register(program);
  }
  return [...program.commands];
}

describe("the command table", () => {
  it("lists every command the modules define, with their usage and description", async () => {
    const commands = await registeredCommands();
    const help = new Help();
    expect(COMMANDS.map((e) => e.name).sort()).toEqual(commands.map((c) => c.name()).sort());
    for (const command of commands) {
      const entry = COMMANDS.find((e) => e.name === command.name());
      expect(`${entry?.name} ${entry?.usage}`.trim(), command.name()).toBe(help.subcommandTerm(command));
      expect(entry?.description, command.name()).toBe(command.description());
    }
  });

  it("--help lists every command with its usage, as the full definitions would", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-help-"));
    try {
      const result = await runInProcess(dir, ["--help"]);
      expect(result.code).toBe(0);
      const help = new Help();
      for (const command of await registeredCommands()) {
        expect(result.stdout).toContain(`  ${help.subcommandTerm(command)} `);
      }
      expect(result.stdout).toContain("--verbose");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows a command's own help from its full definition", async () => {
    const result = await runInProcess(tmpdir(), ["catalog", "--help"]);
    expect(result.code).toBe(0);
    for (const sub of ["ls [options]", "show [options] <dataset>", "stats", "files [options] <dataset>"]) {
      expect(result.stdout).toContain(sub);
    }
    const viaHelp = await runInProcess(tmpdir(), ["help", "add"]);
    expect(viaHelp.stdout).toContain("--dataset <name>");
  });
});

// Modules whose loading made --help slow: the server, DuckDB, the catalog engines, the AWS SDK, and the
// core package (which brings zod and the configuration schema).
const HEAVY = [
  /\/apps\/server\//,
  /\/packages\/(core|metadata|formats|parsers|ducklake|sources)\//,
  /\/node_modules\/@duckdb\//,
  /\/node_modules\/@electric-sql\/pglite\//,
  /\/node_modules\/pg\//,
  /\/node_modules\/@aws-sdk\//,
  /\/node_modules\/fastify\//,
  /\/node_modules\/zod\//,
];

describe.skipIf(!existsSync(MAIN))("what --help loads (built CLI; run `npm run build` first)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-imports-"));
    // A module resolution hook that appends every module URL the process resolves to a file.
    await writeFile(
      join(dir, "hooks.mjs"),
      [
        'import { appendFileSync } from "node:fs";',
        "export async function resolve(specifier, context, next) {",
        "  const resolved = await next(specifier, context);",
        "  appendFileSync(process.env.OMICSLAKE_TEST_IMPORTS, resolved.url + '\\n');",
        "  return resolved;",
        "}",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  let runs = 0;
  async function importsOf(...args: string[]): Promise<string[]> {
    const log = join(dir, `imports-${++runs}.txt`);
    const env: NodeJS.ProcessEnv = { ...process.env, OMICSLAKE_TEST_IMPORTS: log };
    delete env["DATABASE_URL"]; // the embedded catalog
    const result = spawnSync(
      process.execPath,
      ["--import", pathToFileURL(join(dir, "register.mjs")).href, MAIN, ...args],
      { cwd: dir, encoding: "utf8", env, timeout: 240_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    return (await readFile(log, "utf8")).trim().split("\n");
  }

  it("loads commander and the command table, nothing heavy", async () => {
    for (const args of [["--help"], ["--version"]]) {
      const imports = await importsOf(...args);
      expect(imports.some((url) => url.includes("/node_modules/commander/"))).toBe(true);
      expect(imports.some((url) => url.endsWith("/command-table.js"))).toBe(true);
      expect(imports.filter((url) => HEAVY.some((heavy) => heavy.test(url)))).toEqual([]);
    }
  });

  it("loads the embedded engine for catalog ls, but neither pg, the AWS SDK nor the server", async () => {
    const init = spawnSync(process.execPath, [MAIN, "init", "lake"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 240_000,
    });
    expect(init.status, init.stderr).toBe(0);
    const imports = await importsOf("--config", join(dir, "lake", "omicslake.toml"), "catalog", "ls");
    expect(imports.some((url) => url.includes("/node_modules/@electric-sql/pglite/"))).toBe(true);
    const unwanted = [
      /\/node_modules\/pg\//,
      /\/node_modules\/@aws-sdk\//,
      /\/apps\/server\//,
      /\/node_modules\/@duckdb\//,
    ];
    expect(imports.filter((url) => unwanted.some((u) => u.test(url)))).toEqual([]);
  });

  it.skipIf(!existsSync(NCBI))(
    "loads the parsers for parse, but not the lake, the record schemas or zod",
    async () => {
      const imports = await importsOf("parse", "sra", join(NCBI, "sra_pkgset_87pkgs.xml"));
      expect(imports.some((url) => url.endsWith("/sra/sra-parser.js"))).toBe(true);
      const unwanted = [
        /\/packages\/core\/dist\/index\.js$/,
        /\/node_modules\/zod\//,
        /-records\.js$/,
        /\/node_modules\/@duckdb\//,
        /\/node_modules\/@electric-sql\/pglite\//,
        /\/node_modules\/pg\//,
        /\/node_modules\/@aws-sdk\//,
        /\/node_modules\/cli-progress\//,
      ];
      expect(imports.filter((url) => unwanted.some((u) => u.test(url)))).toEqual([]);
    },
  );
});
