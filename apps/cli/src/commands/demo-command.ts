import type { Command } from "commander";
import { buildDemoLake } from "../demo/build-demo-lake.js";
import { writeStderrLine } from "../output/terminal-text.js";
import { serveLake, type ListenOptions } from "./serve-command.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("build a demo lake from generated data and serve it (the API and the web dashboard)")
    .option("--dir <dir>", "where the demo lake lives", ".demo")
    .option("-p, --port <port>", "TCP port", "8000")
    .option("-H, --host <host>", "interface", "127.0.0.1")
    .option("--no-serve", "build the demo lake and exit")
    .action(async (options: ListenOptions & { dir: string; serve: boolean }) => {
      const log = writeStderrLine;
      const { config, lake } = await buildDemoLake(options.dir, log);
      try {
        if (options.serve) await serveLake(lake, config, options, log);
      } finally {
        await lake.close();
      }
    });
}
