import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parseConfig } from "@omicslake/core";
import { COMMANDS } from "../src/command-table.js";

// Every `omicslake …` line the README shows must be a command line the CLI accepts: an existing command
// (and subcommand), options it defines, and a value for every option that takes one. The lines run on
// the user's own files, so they are checked against the real command definitions, not executed.
const README = new URL("../../../README.md", import.meta.url);
const GLOBAL_OPTIONS = ["-c", "--config", "--json", "--verbose", "-h", "--help", "-V", "--version"];

/** The README's command lines: fenced code lines that start with `omicslake `, trailing comment removed. */
async function readmeCommandLines(): Promise<string[]> {
  const lines: string[] = [];
  let fenced = false;
  for (const line of (await readFile(README, "utf8")).split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    else if (fenced && line.startsWith("omicslake ")) lines.push(line.replace(/\s+#\s.*$/, "").trim());
  }
  return lines;
}

/** Shell-like words: double- or single-quoted strings stay one word; `>` redirections end the line. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3] ?? "";
    if (m[3] !== undefined && word.startsWith(">")) break;
    out.push(word);
  }
  return out;
}

async function fullProgram(): Promise<Command> {
  const program = new Command().name("omicslake");
  const loaded = new Set<unknown>();
  for (const entry of COMMANDS) {
    const register = await entry.load();
    if (loaded.has(register)) continue;
    loaded.add(register);
    register(program);
  }
  return program;
}

/** What is wrong with one README line, or undefined when the CLI accepts its shape. */
function problemOf(program: Command, line: string): string | undefined {
  const [, ...args] = words(line);
  let command = program;
  let i = 0;
  // Walk down command → subcommand while the next word names one.
  while (i < args.length) {
    const next = command.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i] ?? ""));
    if (next === undefined) break;
    command = next;
    i += 1;
  }
  if (command === program) return `"${args[0]}" is not a command`;
  if (command.commands.length > 0) {
    return `"${command.name()}" is a group: name one of ${command.commands.map((c) => c.name()).join(", ")}`;
  }
  for (; i < args.length; i += 1) {
    const word = args[i]!;
    if (!word.startsWith("-") || word === "-") continue;
    const flag = word.split("=")[0]!;
    if (GLOBAL_OPTIONS.includes(flag)) {
      if (flag === "-c" || flag === "--config") i += 1;
      continue;
    }
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    if (option === undefined) return `"${command.name()}" has no option ${flag}`;
    if ((option.required || option.optional) && !word.includes("=")) {
      const value = args[i + 1];
      if (option.required && (value === undefined || value.startsWith("-"))) return `${flag} needs a value`;
      if (value !== undefined && !value.startsWith("-")) i += 1;
    }
  }
  return undefined;
}

describe("the README's command lines", () => {
  it("finds the command lines it is meant to check", async () => {
    const lines = await readmeCommandLines();
    // The usage section lists every command group; an empty or tiny list means the extraction broke.
    expect(lines.length).toBeGreaterThan(15);
    expect(lines.some((l) => l.startsWith("omicslake catalog ls"))).toBe(true);
  });

  it("names only commands and options the CLI defines", async () => {
    const program = await fullProgram();
    const problems = (await readmeCommandLines())
      .map((line) => [line, problemOf(program, line)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([line, problem]) => `${line}\n    → ${problem}`);
    expect(problems).toEqual([]);
  });

  it("catches a line that names an option the command does not have", async () => {
    const program = await fullProgram();
    expect(problemOf(program, "omicslake catalog ls --no-such-flag")).toMatch(/has no option --no-such-flag/);
    expect(problemOf(program, "omicslake frobnicate x")).toMatch(/not a command/);
    expect(problemOf(program, "omicslake catalog")).toMatch(/is a group/);
    expect(problemOf(program, "omicslake promote gse2034 --to")).toMatch(/--to needs a value/);
    expect(problemOf(program, "omicslake promote gse2034 --to processed")).toBeUndefined();
  });
});

describe("the README's example configurations", () => {
  it("every toml block is a configuration the checker accepts, declaring datasets of several kinds", async () => {
    await import("@omicslake/sources"); // the kinds beyond the metadata feeds register when it loads
    const text = await readFile(README, "utf8");
    const blocks = [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const kinds = new Set<string>();
    for (const block of blocks) {
      const config = parseConfig(block, { file: "README.md", baseDir: "/srv/lab", env: {} });
      for (const dataset of Object.values(config.dataModel)) kinds.add(dataset.kind);
    }
    expect([...kinds].sort()).toEqual(["genbank", "geo", "internal", "ncbi-genomes", "sra", "sra-reads"]);
  });
});
