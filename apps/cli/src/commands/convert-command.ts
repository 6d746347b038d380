import { basename, resolve } from "node:path";
import { convertPath } from "@omicslake/formats";
import { cancellation, faultPoint } from "@omicslake/core";
import type { Command } from "commander";
import { cancelOnSigint } from "../cancel-on-sigint.js";
import type { GlobalOptions } from "../context.js";
import { humanBytes, Output, table } from "../output/output.js";

interface ConvertOptions {
  output?: string;
  cellMetadata?: string;
}

export function registerConvert(program: Command): void {
  program
    .command("convert")
    .description(
      "convert a scientific file, folder or archive to Parquet (h5ad, 10x, mtx, RDS, pickle, CSV/TSV, GenBank, FASTQ/FASTA, tar/zip), detected by content",
    )
    .argument("<input>", "file or directory")
    .option("-o, --output <dir>", "output directory (must be new or empty; default <input>.parquet/)")
    .option("--cell-metadata <file>", "CSV/TSV of cell metadata joined by barcode (10x and Matrix Market)")
    .action(async (input: string, options: ConvertOptions, command: Command) => {
      const out = new Output(command.optsWithGlobals<GlobalOptions>().json === true);
      const outDir = resolve(options.output ?? `${basename(resolve(input))}.parquet`);
      let bar: ReturnType<Output["progress"]> | undefined;
      // Ctrl-C stops the conversion before it publishes (its staging directory is removed) and exits 130.
      const result = await cancelOnSigint(async (signal) => {
        try {
          return await convertPath(input, outDir, {
            ...(options.cellMetadata !== undefined ? { cellMetadata: options.cellMetadata } : {}),
            signal,
            onProgress: (done, total) => {
              faultPoint("convert.progress");
              if (total === undefined) return;
              bar ??= out.progress("converting", total);
              bar.update(done);
            },
          });
        } catch (error) {
          if (signal.aborted) throw cancellation(signal, "convert");
          throw error;
        }
      });
      bar?.stop();
      out.data(result, () =>
        [
          `${result.format} → ${outDir}`,
          table(
            ["OUTPUT", "TABLE", "ROWS", "SIZE", "COLUMNS"],
            result.outputs.map((o) => [
              o.name,
              o.table,
              o.rows,
              humanBytes(o.bytes),
              o.fields
                .map((f) => f.name)
                .join(", ")
                .slice(0, 80),
            ]),
          ),
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join("\n"),
      );
    });
}
