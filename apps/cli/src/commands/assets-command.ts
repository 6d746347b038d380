import {
  openAssetService,
  type AssetDetailView,
  type AssetStatusView,
  type AutomatedAssetService,
  type OpenAssetServiceOptions,
} from "@omicslake/assets";
import type { LakeConfig } from "@omicslake/core";
import { Option, type Command } from "commander";
import { withLake, type GlobalOptions } from "../context.js";
import type { Output } from "../output/output.js";
import { table } from "../output/output.js";
import { assetDetailJson, assetStatusJson } from "../output/asset-json.js";

/**
 * Runs `fn` with the asset graph of the configured lake, closing both afterwards. Commands that write
 * (materialize, daemon) are audited through `withLake` like every other writing command.
 */
export function withAssetService<T>(
  options: GlobalOptions,
  fn: (service: AutomatedAssetService, out: Output, config: LakeConfig) => Promise<T>,
  serviceOptions: OpenAssetServiceOptions = {},
): Promise<T> {
  return withLake(options, async (lake, out, config) => {
    const service = await openAssetService(lake, config, serviceOptions);
    try {
      return await fn(service, out, config);
    } finally {
      await service.close();
    }
  });
}

/** `--in-process`, for the commands that run assets. */
export const IN_PROCESS_OPTION = [
  "--in-process",
  "run the assets in this process even with a PostgreSQL catalog, instead of queueing them for `omicslake worker` processes",
] as const;

/**
 * Says so when runs go to a queue no worker takes from: without it, a command on a PostgreSQL catalog with no
 * worker running would wait in silence.
 */
export async function warnWithoutWorkers(
  service: AutomatedAssetService,
  warn: (line: string) => void,
): Promise<void> {
  const workers = await service.liveWorkers();
  if (workers === undefined) return;
  warn(
    workers === 0
      ? "runs are queued for workers, and no `omicslake worker` is running for this lake: they wait until one starts (or use --in-process to run them here)"
      : `runs are queued for ${workers} worker process(es)`,
  );
}

/** `2026-12-06 03:00`: minutes are what a listing needs; `assets show --json` has the exact times. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace("T", " ") : "-";
}

function partitionsCell(view: AssetStatusView): string {
  return view.partitions ? `${view.partitions.materialized}/${view.partitions.count}` : "-";
}

function lastCell(view: AssetStatusView): string {
  const last = view.lastMaterialization;
  if (!last) return "-";
  const where = last.partition !== null ? ` [${last.partition}]` : "";
  return `${shortTime(last.finishedAt ?? last.startedAt)} ${last.status}${where}`;
}

/** The `assets ls` table: one line per asset, in the graph's order. */
export function assetsTable(views: readonly AssetStatusView[]): string {
  if (views.length === 0) return "no assets: the configuration declares no datasets or flows";
  return table(
    ["KEY", "PARTITIONS", "AUTOMATION", "LAST", "STATUS", "STALE"],
    views.map((v) => [v.key, partitionsCell(v), v.automation, lastCell(v), v.status, v.stale ? "yes" : ""]),
  );
}

// A GEO dataset has a partition per month since 2001; the table shows the newest, --json has all.
const PARTITION_ROWS = 40;

/** `assets show KEY` for people. */
export function describeAsset(view: AssetDetailView): string {
  const p = view.partitions;
  const retry = view.retry;
  const lines = [
    `${view.key}: ${view.status}${view.stale ? ", stale" : ""}`,
    ...(view.description ? [`  ${view.description}`] : []),
    `group:       ${view.group}`,
    `tags:        ${view.tags.join(", ") || "-"}`,
    `upstream:    ${view.deps.join(", ") || "-"}`,
    `downstream:  ${view.downstream.join(", ") || "-"}`,
    `automation:  ${view.automation}`,
    `partitions:  ${p ? `${p.materialized}/${p.count} materialized (${p.kind} "${p.name}"), latest ${p.latest ?? "-"}` : "none (one materialization)"}`,
    `retry:       ${retry.maxRetries} ${retry.maxRetries === 1 ? "retry" : "retries"}, from ${retry.delayMs / 1000} s, ${retry.backoff}`,
    `last:        ${lastCell(view)}`,
    ...view.staleReasons.map((reason, i) => `${i === 0 ? "stale:       " : "             "}${reason}`),
  ];
  if (p) {
    const rows = view.partitionStatuses.slice(-PARTITION_ROWS);
    lines.push(
      "partitions:",
      table(
        ["PARTITION", "STATUS", "VERSION", "FINISHED", "STALE"],
        rows.map((s) => [
          s.partition,
          s.status,
          s.dataVersion?.slice(0, 12) ?? "-",
          shortTime(s.finishedAt),
          s.stale ? "yes" : "",
        ]),
      ).replace(/^/gm, "  "),
    );
    const hidden = view.partitionStatuses.length - rows.length;
    if (hidden > 0) lines.push(`  … ${hidden} older partitions (--json lists every one)`);
  }
  lines.push("recent materializations:");
  lines.push(
    view.recent.length === 0
      ? "  none"
      : table(
          ["ID", "PARTITION", "STATUS", "ATTEMPT", "ORIGIN", "STARTED", "RUN", "ERROR"],
          view.recent.map((r) => [
            r.id,
            r.partition ?? "-",
            r.status,
            r.attempt,
            r.origin,
            shortTime(r.startedAt.toISOString()),
            r.runId ?? "-",
            r.error ? `${r.error.code}: ${r.error.message}` : "",
          ]),
        ).replace(/^/gm, "  "),
  );
  return lines.join("\n");
}

const GRAPH_FORMATS = ["text", "dot", "mermaid"] as const;

export function registerAssets(program: Command): void {
  const assets = program
    .command("assets")
    .description("the asset graph: every flow's steps and configured datasets, with their state");

  assets
    .command("ls")
    .description(
      "list assets with partitions (materialized/total), automation, last materialization, status and staleness",
    )
    .action(async (_options: unknown, command: Command) => {
      await withAssetService(command.optsWithGlobals<GlobalOptions>(), async (service, out) => {
        const views = await service.list();
        out.data(views.map(assetStatusJson), () => assetsTable(views));
      });
    });

  assets
    .command("show")
    .description("one asset: partitions, retry policy, upstream and downstream, recent materializations")
    .argument("<key>", "asset key, e.g. data/geo/processed")
    .action(async (key: string, _options: unknown, command: Command) => {
      await withAssetService(command.optsWithGlobals<GlobalOptions>(), async (service, out) => {
        service.graph.get(key); // an unknown key is reported with the keys there are
        const view = await service.show(key);
        out.data(assetDetailJson(view), () => describeAsset(view));
      });
    });

  assets
    .command("graph")
    .description(
      "the graph as an indented list, Graphviz DOT or Mermaid (status and partitions on each node)",
    )
    .addOption(new Option("--format <format>", "output format").choices(GRAPH_FORMATS).default("text"))
    .action(async (options: { format: (typeof GRAPH_FORMATS)[number] }, command: Command) => {
      await withAssetService(command.optsWithGlobals<GlobalOptions>(), async (service, out) => {
        const text = await service.render(options.format);
        out.data({ format: options.format, graph: text }, () => text);
      });
    });

  assets
    .command("why")
    .description("explain in words why an asset will or will not run at the daemon's next evaluation")
    .argument("<key>", "asset key, e.g. metadata/curated")
    .action(async (key: string, _options: unknown, command: Command) => {
      await withAssetService(command.optsWithGlobals<GlobalOptions>(), async (service, out) => {
        service.graph.get(key);
        const explanation = await service.why(key);
        out.data({ key, explanation }, () => explanation);
      });
    });
}
