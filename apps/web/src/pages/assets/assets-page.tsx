import type { Asset } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf, setQuery, useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DagGraph, type DagNode } from "../../ui/dag-graph.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatTime } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { Async, Empty } from "../../ui/states.js";
import { ASSET_STATUSES, assetTone } from "./asset-status.js";
import { SelectField } from "../../ui/select-field.js";

/** `/assets?group=&status=`: the asset graph and table, filtered by group and status. */
export function AssetsPage(): JSX.Element {
  const { query } = useLocation();
  const group = query.get("group") ?? "";
  const status = query.get("status") ?? "";
  const assets = useApi<{ data: Asset[] }>("/v1/assets");
  return (
    <>
      <PageHeader
        title="Assets"
        subtitle="What the lake keeps up to date, what each asset reads, and whether it is fresh"
      />
      <Async value={assets} loading="Loading the asset graph…">
        {({ data }) => {
          if (data.length === 0)
            return (
              <Empty title="No assets are configured">
                Assets come from the flows and datasets in <code>omicslake.toml</code>; once configured they
                appear here with their dependencies.
              </Empty>
            );
          const groups = [...new Set(data.map((a) => a.group))].sort();
          const shown = data.filter(
            (a) => (!group || a.group === group) && (!status || matchesStatus(a, status)),
          );
          return (
            <>
              <form class="filters" aria-label="asset filters" onSubmit={(e) => e.preventDefault()}>
                <SelectField
                  label="Group"
                  name="group"
                  value={group}
                  choices={groups}
                  any="all groups"
                  onChange={(value) => setQuery({ group: value })}
                />
                <SelectField
                  label="Status"
                  name="status"
                  value={status}
                  choices={[...ASSET_STATUSES, "stale"]}
                  any="any status"
                  onChange={(value) => setQuery({ status: value })}
                />
                <span class="muted asset-count">
                  {shown.length} of {data.length} assets
                </span>
                {(group || status) && (
                  <button
                    type="button"
                    class="button"
                    onClick={() => setQuery({ group: null, status: null })}
                  >
                    Clear filters
                  </button>
                )}
              </form>
              {shown.length === 0 ? (
                <Empty title="No asset matches these filters">Pick another group or status.</Empty>
              ) : (
                <>
                  <section class="panel">
                    <h2>Graph</h2>
                    <p class="muted legend">
                      Arrows point from what an asset reads to the asset. Click an asset to open it.{" "}
                      <span class="legend-item tone-ok">fresh</span>
                      <span class="legend-item tone-warn">stale or partial</span>
                      <span class="legend-item tone-info">running</span>
                      <span class="legend-item tone-bad">failed</span>
                      <span class="legend-item tone-muted">missing</span>
                    </p>
                    <DagGraph
                      nodes={shown.map(graphNode)}
                      edges={shown.flatMap((a) => a.deps.map((d) => ({ from: d, to: a.key })))}
                      label="asset dependency graph"
                      testId="asset-graph"
                    />
                  </section>
                  <DataTable columns={COLUMNS} rows={shown} rowKey={(a) => a.key} testId="asset-table" />
                </>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}

function matchesStatus(asset: Asset, status: string): boolean {
  return status === "stale" ? asset.stale : asset.status === status;
}

/** A label that fits a graph node: the group's last segment and the rest (`sra/processed`); the title has all. */
function shortKey(asset: Asset): string {
  if (!asset.key.startsWith(`${asset.group}/`)) return asset.key;
  return `${asset.group.split("/").pop()}/${asset.key.slice(asset.group.length + 1)}`;
}

function graphNode(asset: Asset): DagNode {
  const parts = [asset.status + (asset.stale ? ", stale" : "")];
  if (asset.partitions) parts.push(`${asset.partitions.materialized}/${asset.partitions.count} partitions`);
  return {
    id: asset.key,
    label: shortKey(asset),
    sublabel: parts.join(" · "),
    tone: assetTone(asset),
    href: pathOf("assets", asset.key),
    title: `${asset.key}\n${asset.description}${asset.stale ? `\nstale: ${asset.stale_reasons.join("; ")}` : ""}`,
  };
}

const COLUMNS: readonly Column<Asset>[] = [
  {
    key: "key",
    label: "Asset",
    render: (a) => <Link href={pathOf("assets", a.key)}>{a.key}</Link>,
  },
  { key: "group", label: "Group", secondary: true },
  {
    key: "partitions",
    label: "Partitions",
    secondary: true,
    render: (a) =>
      a.partitions ? (
        <>
          {a.partitions.materialized}/{a.partitions.count} materialized
          {a.partitions.latest !== null && <div class="muted">latest {a.partitions.latest}</div>}
        </>
      ) : (
        <span class="muted">unpartitioned</span>
      ),
  },
  { key: "automation", label: "Automation", secondary: true, render: (a) => <code>{a.automation}</code> },
  {
    key: "status",
    label: "Status",
    render: (a) => <Badge value={a.status} tone={assetTone({ ...a, stale: false })} />,
  },
  {
    key: "stale",
    label: "Stale",
    render: (a) =>
      a.stale ? (
        <>
          <Badge value="stale" />
          {a.stale_reasons.map((r) => (
            <div key={r} class="muted">
              {r}
            </div>
          ))}
        </>
      ) : (
        <span class="muted">no</span>
      ),
  },
  {
    key: "last",
    label: "Last materialization",
    secondary: true,
    render: (a) =>
      a.last_materialization ? (
        <>
          {formatTime(a.last_materialization.finished_at ?? a.last_materialization.started_at)}{" "}
          <Badge value={a.last_materialization.status} />
          {a.last_materialization.run_id !== null && (
            <div>
              <Link href={`/runs/${a.last_materialization.run_id}`}>
                run #{a.last_materialization.run_id}
              </Link>
            </div>
          )}
        </>
      ) : (
        <span class="muted">never</span>
      ),
  },
];
