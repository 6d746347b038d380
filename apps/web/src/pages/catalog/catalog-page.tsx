import type { CatalogStats, Dataset, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf, setQuery, useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatBytes, formatNumber, formatTime } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { SearchInput } from "../../ui/search-input.js";
import { Async, Empty } from "../../ui/states.js";
import { LAYERS, describeFilters, hasFilters, readCatalogQuery, type CatalogQuery } from "./catalog-query.js";
import { CursorError, isCursorRefusal } from "./cursor-error.js";
import { SelectField } from "../../ui/select-field.js";

const COLUMNS: readonly Column<Dataset>[] = [
  {
    key: "name",
    label: "Name",
    render: (d) => (
      <Link href={pathOf("datasets", d.id)} class="dataset-link" title={d.description ?? d.name}>
        {d.name}
      </Link>
    ),
  },
  { key: "layer", label: "Layer", render: (d) => <Badge value={d.layer} /> },
  { key: "source", label: "Source" },
  {
    key: "tags",
    label: "Tags",
    secondary: true,
    render: (d) =>
      d.tags.length === 0 ? (
        <span class="muted">—</span>
      ) : (
        d.tags.map((t) => (
          <span key={t} class="tag">
            {t}
          </span>
        ))
      ),
  },
  { key: "objects", label: "Objects", align: "right", render: (d) => formatNumber(d.object_count) },
  { key: "bytes", label: "Size", align: "right", render: (d) => formatBytes(d.total_bytes) },
  {
    key: "updated",
    label: "Updated",
    secondary: true,
    render: (d) => <span class="nowrap">{formatTime(d.updated_at)}</span>,
  },
];

/** `/catalog`: every dataset of the lake, filtered and paged through the URL. */
export function CatalogPage(): JSX.Element {
  const { query } = useLocation();
  const view = readCatalogQuery(query);
  const stats = useApi<CatalogStats>("/v1/catalog/stats");
  const list = useApi<Page<Dataset>>(
    apiUrl("/v1/catalog", {
      q: view.q,
      layer: view.layer,
      source: view.source,
      tag: view.tag,
      limit: view.limit,
      cursor: view.cursor,
    }),
  );
  const sources = stats.status === "ok" ? stats.data.by_source.map((s) => s.source) : [];
  // A source from a shared URL stays selectable even before (or without) the stats that list it.
  if (view.source && !sources.includes(view.source)) sources.push(view.source);
  return (
    <>
      <PageHeader
        title="Catalog"
        subtitle={
          stats.status === "ok"
            ? `${formatNumber(stats.data.datasets)} datasets · ${formatNumber(stats.data.objects)} objects · ${formatBytes(stats.data.bytes)}`
            : "Every dataset in the lake, in every layer"
        }
      />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label class="field grow">
          Search
          <SearchInput
            type="search"
            name="q"
            placeholder="Name, description or external id — Enter to search"
            value={view.q}
            onCommit={(q) => setQuery({ q, cursor: null })}
          />
        </label>
        <SelectField
          label="Layer"
          name="layer"
          value={view.layer}
          choices={LAYERS}
          any="All layers"
          onChange={(value) => setQuery({ layer: value, cursor: null })}
        />
        <SelectField
          label="Source"
          name="source"
          value={view.source}
          choices={sources}
          any="All sources"
          onChange={(value) => setQuery({ source: value, cursor: null })}
        />
        <label class="field">
          Tag
          <SearchInput
            name="tag"
            placeholder="e.g. expression"
            value={view.tag}
            onCommit={(tag) => setQuery({ tag, cursor: null })}
          />
        </label>
        {hasFilters(view) && (
          <button type="button" class="button" onClick={clearFilters}>
            Clear filters
          </button>
        )}
      </form>
      {isCursorRefusal(list) ? (
        <CursorError />
      ) : (
        <Async value={list} loading="Loading datasets…">
          {(page) => (
            <>
              <DataTable
                columns={COLUMNS}
                rows={page.data}
                rowKey={(d) => d.id}
                testId="catalog-table"
                empty={<CatalogEmpty view={view} />}
              />
              <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
            </>
          )}
        </Async>
      )}
    </>
  );
}

function clearFilters(): void {
  setQuery({ q: null, layer: null, source: null, tag: null, cursor: null });
}

function CatalogEmpty({ view }: { view: CatalogQuery }): JSX.Element {
  if (view.cursor)
    return (
      <Empty title="This page of the catalog is empty">
        <p>The datasets it listed may have been deleted since the link was made.</p>
        <button type="button" class="button" onClick={() => setQuery({ cursor: null })}>
          Back to the first page
        </button>
      </Empty>
    );
  if (!hasFilters(view))
    return (
      <Empty title="The lake has no datasets yet">
        <p>
          Bring data in with <code>omicslake ingest</code> or <code>omicslake add</code>, or create a dataset
          with <code>POST /v1/catalog</code>.
        </p>
      </Empty>
    );
  return (
    <Empty title={`No dataset matches ${describeFilters(view)}`}>
      <p>Loosen a filter, or start again from the whole catalog.</p>
      <button type="button" class="button" onClick={clearFilters}>
        Clear filters
      </button>
    </Empty>
  );
}
