import type { Run } from "@omicslake/contract";
import type { ComponentChildren, JSX } from "preact";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatAge, formatDuration, formatTime } from "../../ui/format.js";

const COLUMNS: readonly Column<Run>[] = [
  {
    key: "id",
    label: "Run",
    render: (r) => <Link href={`/runs/${r.id}`}>#{r.id}</Link>,
  },
  { key: "step", label: "Step", render: (r) => <code>{r.step}</code> },
  { key: "status", label: "Status", render: (r) => <Badge value={r.status} /> },
  {
    key: "asset",
    label: "Asset",
    secondary: true,
    render: (r) =>
      r.asset ? (
        <>
          <Link href={pathOf("assets", r.asset.key)}>{r.asset.key}</Link>
          {r.asset.partition !== null && <span class="muted"> · {r.asset.partition}</span>}
        </>
      ) : (
        "—"
      ),
  },
  {
    key: "started",
    label: "Started",
    render: (r) => (
      <span class="nowrap" title={formatTime(r.started_at)}>
        {formatAge(r.started_at)}
      </span>
    ),
  },
  {
    key: "duration",
    label: "Duration",
    align: "right",
    secondary: true,
    render: (r) => formatDuration(r.started_at, r.finished_at),
  },
];

/** Runs as a table linking to each run (and to the asset it materialized, if any). */
export function RunTable({
  runs,
  empty,
  testId,
}: {
  runs: readonly Run[];
  empty: ComponentChildren;
  testId?: string;
}): JSX.Element {
  return (
    <DataTable
      columns={COLUMNS}
      rows={runs}
      rowKey={(r) => r.id}
      empty={empty}
      {...(testId ? { testId } : {})}
    />
  );
}
