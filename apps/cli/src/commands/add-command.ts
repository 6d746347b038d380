import type { Command } from "commander";
import { noteAuditTarget } from "../command-audit.js";
import { withLake, type GlobalOptions } from "../context.js";
import { humanBytes, table } from "../output/output.js";

interface AddOptions {
  dataset: string;
  source?: string;
  externalId?: string;
  tag?: string[];
  description?: string;
}

export function registerAdd(program: Command): void {
  program
    .command("add")
    .description("add files to a raw dataset (created if needed), checksummed and recorded as a run")
    .argument("<file...>", "files to add")
    .requiredOption("-d, --dataset <name>", "raw dataset to add to")
    .option("-s, --source <source>", "where the data came from (geo, sra, lab, …)")
    .option("--external-id <id>", "upstream accession (GSE2034, PRJNA258012, …)")
    .option("-t, --tag <tag>", "tag the dataset (repeatable)", (value: string, previous: string[] = []) => [
      ...previous,
      value,
    ])
    .option("--description <text>", "free-text description")
    .action(async (files: string[], options: AddOptions, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        noteAuditTarget({ dataset: `raw:${options.dataset}` });
        let bar: ReturnType<typeof out.progress> | undefined;
        const { dataset, objects, run } = await lake.addFiles(files, {
          dataset: options.dataset,
          ...(options.source !== undefined ? { source: options.source } : {}),
          ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
          ...(options.tag !== undefined ? { tags: options.tag } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
          onProgress: ({ bytes, totalBytes }) => {
            bar ??= out.progress("adding", totalBytes, "bytes");
            bar.update(bytes);
          },
        });
        bar?.stop();
        noteAuditTarget({ objects: objects.map((o) => o.name) });
        out.data(
          {
            dataset: { id: dataset.id, name: dataset.name, layer: dataset.layer },
            run: run.id,
            objects: objects.map((o) => ({ key: o.key, size: o.size, sha256: o.sha256 })),
          },
          () =>
            [
              `Added ${objects.length} file(s) to raw dataset "${dataset.name}" (id ${dataset.id}, run ${run.id})`,
              table(
                ["NAME", "SIZE", "SHA256"],
                objects.map((o) => [o.name, humanBytes(o.size), o.sha256]),
              ),
            ].join("\n"),
        );
      });
    });
}
