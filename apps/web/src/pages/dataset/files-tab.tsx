import type { CatalogObject, Dataset, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { pathOf, useLocation } from "../../router/router.js";
import { CopyButton } from "../../ui/copy-button.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatBytes, formatNumber, shortHash } from "../../ui/format.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";
import { DownloadButton } from "./download-button.js";
import { CursorError, isCursorRefusal } from "../catalog/cursor-error.js";

const COLUMNS: readonly Column<CatalogObject>[] = [
  { key: "name", label: "Name", render: (o) => <span class="mono file-name">{o.name}</span> },
  {
    key: "size",
    label: "Size",
    align: "right",
    render: (o) => (
      <span class="nowrap" title={`${formatNumber(o.size)} bytes`} data-size={o.size}>
        {formatBytes(o.size)}
      </span>
    ),
  },
  {
    key: "sha256",
    label: "SHA-256",
    render: (o) => (
      <span class="hash">
        <code title={o.sha256} data-sha256={o.sha256}>
          {shortHash(o.sha256)}
        </code>
        <CopyButton value={o.sha256} />
      </span>
    ),
  },
  {
    key: "media_type",
    label: "Media type",
    secondary: true,
    render: (o) => o.media_type ?? <span class="muted">unknown</span>,
  },
  { key: "download", label: "", render: (o) => <DownloadButton object={o} /> },
];

/** The dataset's objects, a page at a time. */
export function FilesTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const { query } = useLocation();
  const files = useApi<Page<CatalogObject>>(
    apiUrl(pathOf("v1", "catalog", dataset.id, "files"), { limit: 50, cursor: query.get("cursor") }),
  );
  if (isCursorRefusal(files)) return <CursorError />;
  return (
    <Async value={files} loading="Loading files…">
      {(page) => (
        <>
          <DataTable
            columns={COLUMNS}
            rows={page.data}
            rowKey={(o) => o.id}
            testId="dataset-files"
            empty={
              <Empty title="This dataset has no files">
                <p>Objects appear here once a collection, conversion or upload has written them.</p>
              </Empty>
            }
          />
          <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
        </>
      )}
    </Async>
  );
}
