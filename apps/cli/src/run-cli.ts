import { Command, CommanderError, Help } from "commander";
import { processIo, withCliIo, type CliIo } from "./cli-io.js";
import { COMMANDS, commandEntry } from "./command-table.js";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.js";

/** What a run may use instead of the process's own: `runCli` called from a test passes its own streams. */
export interface RunCliOptions {
  readonly stdout?: CliIo["stdout"];
  readonly stderr?: CliIo["stderr"];
  /**
   * The directory the command runs in: omicslake.toml is searched upwards from it and relative paths
   * in arguments resolve against it (the process's working directory is set to it for the run).
   */
  readonly cwd?: string;
  /** The environment the configuration is read from (DATABASE_URL, OMICSLAKE__… overrides). */
  readonly env?: NodeJS.ProcessEnv;
}

const VERSION = "0.1.0";

function withGlobalOptions(command: Command): Command {
  return command
    .option(
      "-c, --config <file>",
      "omicslake.toml to use (default: found from the current directory upwards)",
    )
    .option("--json", "print data as JSON (and errors as a JSON object on stderr)")
    .option("--verbose", "add the stack to an error's report");
}

interface Invocation {
  /** The top-level command named, if any (`help <command>` names one too). */
  readonly command: string | undefined;
  /** The words after the command's name (empty for `help <command>`). */
  readonly args: readonly string[];
  readonly json: boolean;
  readonly verbose: boolean;
}

/**
 * Reads the global options and the command name the way commander will, without defining any command:
 * only the named command's module is then loaded. A malformed line yields no command; the real parse
 * reports it.
 */
function invocation(argv: readonly string[]): Invocation {
  const scout = withGlobalOptions(new Command())
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    const { operands } = scout.parseOptions([...argv]);
    const opts = scout.opts<{ json?: boolean; verbose?: boolean }>();
    const help = operands[0] === "help";
    const named = help ? operands[1] : operands[0];
    const at = named === undefined || help ? -1 : argv.indexOf(named);
    const args = at < 0 ? [] : argv.slice(at + 1);
    return { command: named, args, json: opts.json === true, verbose: opts.verbose === true };
  } catch {
    return {
      command: undefined,
      args: [],
      json: argv.includes("--json"),
      verbose: argv.includes("--verbose"),
    };
  }
}

/**
 * The program with the named command's real definition and, for every other command, an entry that
 * only lists it in the help (the help shows its usage from the command table).
 */
async function buildProgram(
  named: string | undefined,
  io: CliIo,
  commanderErrors: string[],
): Promise<Command> {
  const listedOnly = new Map<Command, string>();
  const program = withGlobalOptions(
    new Command().name("omicslake").description("A data lake for biomedical and omics data").version(VERSION),
  )
    .showHelpAfterError()
    // Commander's messages echo unknown arguments; they are written once the error is known, made safe.
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => commanderErrors.push(text),
    })
    .configureHelp({
      subcommandTerm(this: Help, command: Command): string {
        return listedOnly.get(command) ?? Help.prototype.subcommandTerm.call(this, command);
      },
    })
    .exitOverride();
  const entry = commandEntry(named);
  if (entry !== undefined) (await entry.load())(program);
  for (const listed of COMMANDS) {
    if (program.commands.some((command) => command.name() === listed.name)) continue;
    const command = program
      .command(listed.name)
      .description(listed.description)
      .action(() => {
        throw new Error(`"${listed.name}" ran without its definition being loaded`);
      });
    listedOnly.set(command, `${listed.name} ${listed.usage}`.trim());
  }
  return program;
}

let running = false;

/**
 * Runs one omicslake command line (without `node` and the script) and resolves to its exit code; never
 * exits the process. Output goes to the given streams. Commands that finish with findings (fsck's
 * problems) set `process.exitCode` as a process would; it is read and restored here.
 *
 * @example const code = await runCli(["catalog", "ls", "--json"], { cwd: lakeDir, stdout, stderr });
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  // One run at a time: a run owns the working directory and process.exitCode while it lasts.
  if (running) throw new Error("runCli is already running in this process; await the previous run first");
  running = true;
  const io: CliIo = { ...processIo(), ...options };
  const previousCwd = process.cwd();
  const previousExitCode = process.exitCode;
  try {
    if (io.cwd !== previousCwd) process.chdir(io.cwd);
    process.exitCode = undefined;
    const code = await withCliIo(io, () => run(argv, io));
    return code !== EXIT_OK ? code : exitCodeSet();
  } finally {
    process.exitCode = previousExitCode;
    if (process.cwd() !== previousCwd) process.chdir(previousCwd);
    running = false;
  }
}

function exitCodeSet(): number {
  const set = process.exitCode;
  return set === undefined ? EXIT_OK : Number(set);
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { command, args, json, verbose } = invocation(argv);
  const commanderErrors: string[] = [];
  try {
    const program = await buildProgram(command, io, commanderErrors);
    const parse = (): Promise<Command> => program.parseAsync([...argv], { from: "user" });
    const writes = commandEntry(command)?.writes?.(args) === true;
    if (writes) {
      // Loaded only for commands that write, which load the core package anyway.
      const { withCommandAudit } = await import("./command-audit.js");
      const sub = args.find((arg) => !arg.startsWith("-"));
      const subcommand =
        sub !== undefined &&
        program.commands.find((c) => c.name() === command)?.commands.some((c) => c.name() === sub);
      await withCommandAudit(subcommand ? `${command} ${sub}` : command!, argv, parse);
    } else {
      await parse();
    }
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; every other commander error is a usage error.
      if (error.exitCode === 0) return EXIT_OK;
      await reportUsage(error, commanderErrors, io, json);
      return EXIT_USAGE;
    }
    // Loaded only when something failed: the report needs the core package, which --help must not load.
    const { reportError } = await import("./error-report.js");
    return reportError(error, io.stderr, { json, verbose });
  }
}

async function reportUsage(
  error: CommanderError,
  written: readonly string[],
  io: CliIo,
  json: boolean,
): Promise<void> {
  const { usageErrorJson } = await import("./error-report.js");
  const { terminalText } = await import("./output/terminal-text.js");
  if (!json) {
    io.stderr.write(terminalText(written.join("")));
    return;
  }
  // A command group called without its subcommand shows its help; as JSON that is "which subcommand?".
  const message =
    error.code === "commander.help"
      ? "no command given: run omicslake --help for the commands"
      : error.message;
  io.stderr.write(`${usageErrorJson(message)}\n`);
}
