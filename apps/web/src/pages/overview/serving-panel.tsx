import type { ServingIndex } from "@omicslake/contract";
import type { JSX } from "preact";
import type { Loadable } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { DataTable } from "../../ui/data-table.js";
import { formatAge, formatNumber, formatTime } from "../../ui/format.js";
import { Async, Empty } from "../../ui/states.js";

type Entity = ServingIndex["entities"][number];

/** The metadata the API serves: rows per entity and when each was last loaded, linking to the browser. */
export function ServingPanel({
  serving,
}: {
  serving: Loadable<ServingIndex> & { reload: () => void };
}): JSX.Element {
  return (
    <section class="panel span-3">
      <div class="panel-head">
        <h2>Served metadata</h2>
        <Link href="/metadata">Metadata browser →</Link>
      </div>
      <Async value={serving} loading="Loading the served entities…">
        {(index) => (
          <DataTable<Entity>
            columns={[
              {
                key: "entity",
                label: "Entity",
                render: (e) => (
                  <Link href={`/metadata?entity=${encodeURIComponent(e.path.replace(/^\/v1\//, ""))}`}>
                    {e.entity}
                  </Link>
                ),
              },
              { key: "path", label: "API path", secondary: true, render: (e) => <code>{e.path}</code> },
              { key: "rows", label: "Rows", align: "right", render: (e) => formatNumber(e.rows) },
              {
                key: "loaded",
                label: "Loaded",
                render: (e) =>
                  e.loaded_at ? (
                    <>
                      {formatAge(e.loaded_at)}{" "}
                      <span class="muted secondary">· {formatTime(e.loaded_at)}</span>
                    </>
                  ) : (
                    <span class="muted">never</span>
                  ),
              },
            ]}
            rows={index.entities}
            rowKey={(e) => e.entity}
            testId="serving-entities"
            empty={
              <Empty title="Nothing is served yet">
                Curate metadata and run <code>omicslake load</code> to serve it.
              </Empty>
            }
          />
        )}
      </Async>
    </section>
  );
}
