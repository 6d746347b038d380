import { isLayer, type FsckProblem, type ProvenanceGraph } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { noteAuditTarget } from "../command-audit.js";
import { withLake, type GlobalOptions } from "../context.js";
import { humanBytes, table } from "../output/output.js";

export function registerLayerCommands(program: Command): void {
  program
    .command("promote")
    .description("copy a dataset into the next layer (raw → processed → curated → archive)")
    .argument("<dataset>", "id, name or layer:name")
    .requiredOption("--to <layer>", "target layer")
    .action(async (ref: string, options: { to: string }, command: Command) => {
      if (!isLayer(options.to))
        throw new UsageError(`unknown layer "${options.to}"; use processed, curated or archive`);
      const to = options.to;
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const source = await lake.dataset(ref);
        noteAuditTarget({ dataset: `${source.layer}:${source.name}` });
        const promoted = await lake.promote(source.id, to);
        noteAuditTarget({ details: { promoted_to: `${promoted.layer}:${promoted.name}` } });
        out.data(
          promoted,
          () =>
            `Promoted "${promoted.name}" to ${promoted.layer} (id ${promoted.id}, ${promoted.objectCount} objects, ${humanBytes(promoted.totalBytes)})`,
        );
      });
    });

  program
    .command("delete")
    .description("delete a dataset and its objects (refused in raw)")
    .argument("<dataset>", "id, name or layer:name")
    .action(async (ref: string, _options: unknown, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const dataset = await lake.dataset(ref);
        noteAuditTarget({ dataset: `${dataset.layer}:${dataset.name}` });
        const run = await lake.deleteDataset(dataset);
        out.data(
          { deleted: dataset.id, name: dataset.name, layer: dataset.layer, runId: run.id },
          () =>
            `Deleted ${dataset.layer} dataset "${dataset.name}" (id ${dataset.id}, run ${run.id}); lineage keeps it as a tombstone`,
        );
      });
    });

  program
    .command("lineage")
    .description("where a dataset came from (--graph: also what was made from it)")
    .argument("<dataset>", "id, name or layer:name")
    .option("--graph", "ancestors and descendants")
    .action(async (ref: string, options: { graph?: boolean }, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const graph = options.graph ? await lake.provenanceGraph(ref) : await lake.lineage(ref);
        out.data(graph, () => describeGraph(graph));
      });
    });

  program
    .command("fsck")
    .description(
      "re-hash every object and compare with the catalog; report mismatches, orphans and the debris of killed work (temp files, stray sidecars, stale runs, empty raw datasets of failed runs)",
    )
    .option(
      "--repair",
      "remove debris that is provably dead and mark stale runs abandoned (never touches an object's bytes)",
    )
    .action(async (options: { repair?: boolean }, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const total = (await lake.stats()).bytes;
        const bar = out.progress("checking", total, "bytes");
        const report = await lake.fsck({
          onProgress: (_n, bytes) => bar.update(bytes),
          repair: options.repair === true,
        });
        bar.stop();
        out.data(report, () =>
          [
            `checked ${report.checkedObjects} objects (${humanBytes(report.checkedBytes)})`,
            ...(report.repaired.length > 0
              ? [`repaired ${report.repaired.length}:`, problemTable(report.repaired)]
              : []),
            report.ok ? "all objects match the catalog; no debris" : problemTable(report.problems),
          ].join("\n"),
        );
        if (!report.ok) process.exitCode = 1;
      });
    });
}

function problemTable(problems: readonly FsckProblem[]): string {
  return table(
    ["PROBLEM", "KEY", "DETAIL"],
    problems.map((p) => [p.kind, p.key, problemDetail(p)]),
  );
}

function problemDetail(p: FsckProblem): string {
  switch (p.kind) {
    case "checksum_mismatch":
      return `expected ${p.expected}, found ${p.actual}`;
    case "size_mismatch":
      return `expected ${p.expected} bytes, found ${p.actual}`;
    case "unreadable":
      return p.message;
    case "orphan":
      return `${p.size} bytes not in the catalog`;
    case "missing":
      return "in the catalog but not in the store";
    case "temp_leftover":
    case "stray_sidecar":
    case "root_stray":
      return `${humanBytes(p.size)}: ${p.reason}${p.removable ? " (fsck --repair removes it)" : ""}`;
    case "stale_run":
      return `${p.step}: ${p.reason} (fsck --repair marks it abandoned)`;
    case "debris_dataset":
      return "empty raw dataset created by a run that did not complete (fsck --repair removes it)";
    case "partial_promotion":
      return `hidden, unfinished promotion holding ${p.copiedObjects} objects. ${p.hint}`;
  }
}

function describeGraph(graph: ProvenanceGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const label = (id: number | null): string => {
    if (id === null) return "(outside the lake)";
    const n = byId.get(id);
    if (!n) return `#${id}`;
    return n.deleted
      ? `${n.layer}:${n.name} (#${n.id}, deleted ${n.deletedAt?.toISOString() ?? ""}${n.deletedByRunId !== null ? ` by run ${n.deletedByRunId}` : ""})`
      : `${n.layer}:${n.name} (#${n.id})`;
  };
  if (graph.edges.length === 0) return `${label(graph.root)} has no recorded provenance`;
  return graph.edges
    .map(
      (e) =>
        `${label(e.inputDatasetId)} --${e.action}${e.runId !== null ? ` (run ${e.runId})` : ""}--> ${label(e.outputDatasetId)}`,
    )
    .join("\n");
}
