#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerAdd } from "./commands/add-command.js";
import { registerCatalog } from "./commands/catalog-command.js";
import { registerConfig } from "./commands/config-command.js";
import { registerConvert } from "./commands/convert-command.js";
import { registerDemo } from "./commands/demo-command.js";
import { registerInit } from "./commands/init-command.js";
import { registerKeys } from "./commands/keys-command.js";
import { registerIngest } from "./commands/ingest-command.js";
import { registerLayerCommands } from "./commands/layer-commands.js";
import { registerMetadataCommands } from "./commands/metadata-commands.js";
import { registerParse } from "./commands/parse-command.js";
import { registerReprocess } from "./commands/reprocess-command.js";
import { registerServe } from "./commands/serve-command.js";
import { exitCodeFor, formatError } from "./exit-codes.js";
import { terminalText } from "./output/terminal-text.js";

// The pinned AWS SDK supports Node 20; its notice that later releases will not is not for our users.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

const program = new Command()
  .name("omicslake")
  .description("A data lake for biomedical and omics data")
  .version("0.1.0")
  .option("-c, --config <file>", "omicslake.toml to use (default: found from the current directory upwards)")
  .option("--json", "print data as JSON")
  .showHelpAfterError()
  // Commander echoes unknown arguments; they must not reach the terminal as escape sequences.
  .configureOutput({ writeErr: (text) => process.stderr.write(terminalText(text)) })
  .exitOverride();

registerInit(program);
registerConfig(program);
registerAdd(program);
registerCatalog(program);
registerLayerCommands(program);
registerKeys(program);
registerParse(program);
registerIngest(program);
registerReprocess(program);
registerMetadataCommands(program);
registerConvert(program);
registerServe(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
