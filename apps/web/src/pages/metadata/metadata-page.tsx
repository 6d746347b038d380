import type { JSX } from "preact";
import type { Page, ServingIndex } from "@omicslake/contract";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { useLocation } from "../../router/router.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatNumber } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty, ErrorState, Loading } from "../../ui/states.js";
import { filtersOf, hasSearch, useApiDescription, type OpenApiDocument } from "./api-description.js";
import { entityHref } from "./accessions.js";
import { entityLabel, sourceLabel } from "./entity-labels.js";
import { FilterForm } from "./filter-form.js";
import { accessionOf, type MetadataRecord } from "./record-columns.js";
import { summaryTableColumns } from "./summary-cell.js";

const PAGE_SIZE = 25;

type Entity = ServingIndex["entities"][number];

/** `/v1/sra/studies` → `sra/studies`: the form the URL's `entity` parameter takes. */
function pathOfEntity(entity: Entity): string {
  return entity.path.replace(/^\/v1\//, "");
}

export function MetadataPage(): JSX.Element {
  const index = useApi<ServingIndex>("/v1");
  const description = useApiDescription();
  return (
    <>
      <PageHeader
        title="Metadata"
        subtitle="SRA, GEO, BioSample, BioProject and PubMed records served from the lake"
      />
      <Async value={index} loading="Loading the served entities…">
        {(served) =>
          served.entities.length === 0 ? (
            <Empty title="No metadata entities are served">
              <p>
                Harvest metadata and run <code>omicslake load</code> to fill the serving database.
              </p>
            </Empty>
          ) : (
            <Async value={description} loading="Reading the API's filters…">
              {(doc) => <Browser entities={served.entities} doc={doc} />}
            </Async>
          )
        }
      </Async>
    </>
  );
}

function Browser({ entities, doc }: { entities: readonly Entity[]; doc: OpenApiDocument }): JSX.Element {
  const { query } = useLocation();
  const fallback = entities.find((e) => e.rows > 0) ?? entities[0]!;
  const asked = query.get("entity");
  const entity = entities.find((e) => pathOfEntity(e) === asked) ?? (asked ? null : fallback);
  return (
    <div class="metadata-browser">
      <EntitySelector entities={entities} active={entity ? pathOfEntity(entity) : ""} />
      <div class="metadata-results">
        {entity ? (
          <EntityList entity={entity} doc={doc} query={query} />
        ) : (
          <Empty title={`The lake serves no entity called "${asked}"`}>
            <p>Pick one of the entities listed here.</p>
          </Empty>
        )}
      </div>
    </div>
  );
}

function EntitySelector({ entities, active }: { entities: readonly Entity[]; active: string }): JSX.Element {
  const groups = new Map<string, Entity[]>();
  for (const entity of entities) {
    const source = sourceLabel(pathOfEntity(entity));
    groups.set(source, [...(groups.get(source) ?? []), entity]);
  }
  return (
    <nav class="panel entity-selector" aria-label="entities">
      {[...groups].map(([source, members]) => (
        <div key={source} class="entity-group">
          <h3>{source}</h3>
          {members.map((e) => {
            const path = pathOfEntity(e);
            return (
              <Link
                key={path}
                href={`/metadata?entity=${encodeURIComponent(path)}`}
                class={path === active ? "entity-link active" : "entity-link"}
                aria-current={path === active ? "page" : undefined}
                data-entity={path}
              >
                <span>{entityLabel(path).replace(`${source} `, "")}</span>
                <span class={e.rows > 0 ? "count" : "count zero"}>{formatNumber(e.rows)}</span>
              </Link>
            );
          })}
        </div>
      ))}
    </nav>
  );
}

function EntityList({
  entity,
  doc,
  query,
}: {
  entity: Entity;
  doc: OpenApiDocument;
  query: URLSearchParams;
}): JSX.Element {
  const path = pathOfEntity(entity);
  const filters = filtersOf(doc, path);
  const search = hasSearch(doc, path);
  const applied: Record<string, string> = {};
  for (const name of [...(search ? ["q"] : []), ...filters.map((f) => f.name)]) {
    const value = query.get(name);
    if (value) applied[name] = value;
  }
  const url = apiUrl(`/v1/${path}`, { ...applied, cursor: query.get("cursor"), limit: PAGE_SIZE });
  const list = useApi<Page<MetadataRecord>>(url);
  const filtered = Object.keys(applied).length > 0;
  return (
    <>
      <div class="metadata-list-header">
        <h2>{entityLabel(path)}</h2>
        <span class="muted">
          {formatNumber(entity.rows)} records{filtered ? " in all" : ""}
        </span>
      </div>
      <FilterForm
        key={`${path}?${new URLSearchParams(applied).toString()}`}
        filters={filters}
        search={search}
        query={query}
      />
      {list.status === "loading" && <Loading label={`Loading ${entityLabel(path)}…`} />}
      {list.status === "error" &&
        (list.error.status === 400 ? (
          <div class="notice metadata-bad-filter" role="alert">
            <strong>The API refused these filters.</strong> {list.error.message}
          </div>
        ) : (
          <ErrorState error={list.error} onRetry={list.reload} />
        ))}
      {list.status === "ok" && (
        <Results path={path} page={list.data} filtered={filtered} loaded={entity.rows > 0} />
      )}
    </>
  );
}

function Results({
  path,
  page,
  filtered,
  loaded,
}: {
  path: string;
  page: Page<MetadataRecord>;
  filtered: boolean;
  loaded: boolean;
}): JSX.Element {
  const columns: Column<MetadataRecord>[] = [
    {
      key: "accession",
      label: "Accession",
      render: (r) => (
        <Link href={entityHref(path, accessionOf(r))} class="mono">
          {accessionOf(r)}
        </Link>
      ),
    },
    ...summaryTableColumns(page.data),
  ];
  return (
    <>
      <DataTable
        columns={columns}
        rows={page.data}
        rowKey={accessionOf}
        testId="metadata-results"
        empty={
          filtered ? (
            <Empty title="No records match">
              <p>Loosen the search or the filters (“Clear all” removes every one).</p>
            </Empty>
          ) : (
            <Empty title={`No ${entityLabel(path)} are loaded`}>
              <p>
                {loaded
                  ? "This page is past the end of the list."
                  : "Harvest this source and run omicslake load to serve its records."}
              </p>
            </Empty>
          )
        }
      />
      <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
    </>
  );
}
