#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// The pinned AWS SDK supports Node 20; its notice that later releases will not is not for our users.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

process.exitCode = await runCli(process.argv.slice(2));
