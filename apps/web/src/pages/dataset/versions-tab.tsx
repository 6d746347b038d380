import type { Dataset, DatasetVersion, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf, useLocation } from "../../router/router.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatBytes, formatNumber, formatTime } from "../../ui/format.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";
import { CursorError, isCursorRefusal } from "../catalog/cursor-error.js";

/** What a version changed, in words: `created · 6 added · schema of cells, genes`. */
export function describeChanges(changes: DatasetVersion["changes"]): string {
  const parts: string[] = [];
  if (changes.created) parts.push("created");
  if (changes.added) parts.push(`${formatNumber(changes.added)} added`);
  if (changes.replaced) parts.push(`${formatNumber(changes.replaced)} replaced`);
  if (changes.removed) parts.push(`${formatNumber(changes.removed)} removed`);
  if (changes.schema.length > 0) parts.push(`schema of ${changes.schema.join(", ")}`);
  return parts.length > 0 ? parts.join(" · ") : "no change to the objects";
}

const COLUMNS: readonly Column<DatasetVersion>[] = [
  { key: "version", label: "Version", align: "right", render: (v) => <strong>v{v.version}</strong> },
  {
    key: "run",
    label: "Run",
    render: (v) =>
      v.run_id === null ? (
        <span class="muted">none</span>
      ) : (
        <Link href={pathOf("runs", v.run_id)}>#{v.run_id}</Link>
      ),
  },
  { key: "objects", label: "Objects", align: "right", render: (v) => formatNumber(v.object_count) },
  { key: "bytes", label: "Size", align: "right", render: (v) => formatBytes(v.total_bytes) },
  { key: "changes", label: "What changed", render: (v) => describeChanges(v.changes) },
  {
    key: "created",
    label: "Created",
    secondary: true,
    render: (v) => <span class="nowrap">{formatTime(v.created_at)}</span>,
  },
];

/** Every version of the dataset, newest first, with the run that made it. */
export function VersionsTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const { query } = useLocation();
  const versions = useApi<Page<DatasetVersion>>(
    apiUrl(pathOf("v1", "catalog", dataset.id, "versions"), { limit: 50, cursor: query.get("cursor") }),
  );
  if (isCursorRefusal(versions)) return <CursorError />;
  return (
    <Async value={versions} loading="Loading versions…">
      {(page) => (
        <>
          <DataTable
            columns={COLUMNS}
            rows={page.data}
            rowKey={(v) => v.version}
            testId="dataset-versions"
            empty={
              <Empty title="No versions recorded">
                <p>A version is recorded each time a run writes to the dataset.</p>
              </Empty>
            }
          />
          <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
        </>
      )}
    </Async>
  );
}
