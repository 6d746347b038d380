import { basename } from "node:path";
import {
  RECORD_FORMATS,
  SEQUENCE_FORMATS,
  formatParseWarning,
  isRecordFormat,
  openInput,
  recordParser,
  writeNdjson,
} from "@omicslake/parsers";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { cliIo } from "../cli-io.js";
import { Output } from "../output/output.js";
import { writeStderrLine } from "../output/terminal-text.js";

interface ParseOptions {
  kind?: string[];
  limit?: string;
  withSequence?: boolean;
}

export function registerParse(program: Command): void {
  program
    .command("parse")
    .description(`stream NCBI metadata files (plain or .gz, - for stdin) to NDJSON records on stdout`)
    .argument("<format>", RECORD_FORMATS.join(" | "))
    .argument("<file...>", "files to parse; - reads standard input")
    .option(
      "-k, --kind <kind>",
      "only records of this kind, e.g. sra_run or geo_sample (repeatable, or comma-separated)",
      (v: string, prev: string[] = []) => [...prev, ...v.split(",")],
    )
    .option("-n, --limit <n>", "stop after N records")
    .option(
      "--with-sequence",
      `include each record's sequence (${SEQUENCE_FORMATS.join(", ")} only; one record's sequence is held in memory)`,
    )
    .action(async (format: string, files: string[], options: ParseOptions) => {
      if (!isRecordFormat(format))
        throw new UsageError(`unknown format "${format}"; use one of ${RECORD_FORMATS.join(", ")}`);
      const withSequence = options.withSequence === true;
      if (withSequence && !SEQUENCE_FORMATS.includes(format))
        throw new UsageError(
          `--with-sequence applies to ${SEQUENCE_FORMATS.join(", ")} records only; ${format} records have no sequence`,
        );
      let limit: number | undefined;
      if (options.limit !== undefined) {
        limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 0)
          throw new UsageError(`--limit must be a non-negative integer, got "${options.limit}"`);
      }
      const out = new Output(false);
      const parse = recordParser(format);
      const kinds = options.kind ? new Set(options.kind.map((k) => k.trim()).filter(Boolean)) : undefined;
      let remaining = limit;
      let total = 0;
      for (const file of files) {
        if (remaining !== undefined && remaining <= 0) break;
        let bar: ReturnType<Output["progress"]> | undefined;
        const input = openInput(file, {
          onProgress: (bytes, size) => {
            if (size === undefined) return;
            bar ??= out.progress(basename(file), size, "bytes");
            bar.update(bytes);
          },
        });
        try {
          const { written } = await writeNdjson(
            parse(input, {
              file: file === "-" ? "<stdin>" : file,
              ...(withSequence ? { withSequence } : {}),
              // Records go to stdout; what the parser had to interpret goes to stderr, as it happens.
              onWarning: (warning) => writeStderrLine(formatParseWarning(warning)),
            }),
            cliIo().stdout,
            {
              ...(kinds ? { kinds } : {}),
              ...(remaining !== undefined ? { limit: remaining } : {}),
            },
          );
          total += written;
          if (remaining !== undefined) remaining -= written;
        } finally {
          bar?.stop();
        }
      }
      if (cliIo().stderr.isTTY) cliIo().stderr.write(`${total} record(s)\n`);
    });
}
