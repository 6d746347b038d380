import type { Page, Promotion } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf, useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatTime } from "../../ui/format.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";
import { CursorError, isCursorRefusal } from "../catalog/cursor-error.js";

const COLUMNS: readonly Column<Promotion>[] = [
  {
    key: "dataset",
    label: "Dataset",
    render: (p) => (
      <Link class="long-name" href={pathOf("datasets", p.dataset_id)}>
        {p.dataset_name}
      </Link>
    ),
  },
  {
    key: "layers",
    label: "From → to",
    render: (p) => (
      <span class="nowrap">
        {p.from_layer ? <Badge value={p.from_layer} /> : <span class="muted">?</span>} →{" "}
        <Badge value={p.to_layer} />
      </span>
    ),
  },
  {
    key: "source",
    label: "Copied from",
    secondary: true,
    render: (p) =>
      p.input_dataset_id === null ? (
        <span class="muted">—</span>
      ) : (
        <Link href={pathOf("datasets", p.input_dataset_id)}>#{p.input_dataset_id}</Link>
      ),
  },
  {
    key: "run",
    label: "Run",
    render: (p) =>
      p.run_id === null ? (
        <span class="muted">none</span>
      ) : (
        <Link href={pathOf("runs", p.run_id)}>#{p.run_id}</Link>
      ),
  },
  { key: "date", label: "Date", render: (p) => <span class="nowrap">{formatTime(p.created_at)}</span> },
];

/** Every promotion so far, newest first. */
export function PromotionHistory(): JSX.Element {
  const { query } = useLocation();
  const promotions = useApi<Page<Promotion>>(
    apiUrl("/v1/layers/promotions", { limit: 25, cursor: query.get("cursor") }),
  );
  return (
    <section aria-labelledby="promotions-title">
      <h2 id="promotions-title">Promotion history</h2>
      {isCursorRefusal(promotions) ? (
        <CursorError />
      ) : (
        <Async value={promotions} loading="Loading promotions…">
          {(page) => (
            <>
              <DataTable
                columns={COLUMNS}
                rows={page.data}
                rowKey={(p) => p.id}
                testId="promotion-history"
                empty={
                  <Empty title="Nothing has been promoted yet">
                    <p>
                      Promotions made here, with <code>omicslake promote</code> or by the pipelines appear in
                      this list.
                    </p>
                  </Empty>
                }
              />
              {/* The promote panel's choice shares the URL; it does not change this list. */}
              <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} ignore={["dataset", "to"]} />
            </>
          )}
        </Async>
      )}
    </section>
  );
}
