import type { JSX } from "preact";
import type { Page, ServingIndex } from "@omicslake/contract";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { useLocation } from "../../router/router.js";
import { DataTable } from "../../ui/data-table.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty, ErrorState, Loading } from "../../ui/states.js";
import { Tabs } from "../../ui/tabs.js";
import { entityHref, entityPathOf, ncbiUrlOf } from "./accessions.js";
import { childRoutesOf, useApiDescription, type ChildRoute } from "./api-description.js";
import { entityLabel, parameterLabel } from "./entity-labels.js";
import { RecordFields } from "./record-fields.js";
import { accessionOf, type MetadataRecord } from "./record-columns.js";
import { summaryTableColumns } from "./summary-cell.js";

const PAGE_SIZE = 25;

/** `/metadata/sra/studies/SRP900001`: one record, the lists under it and the accessions linked to it. */
export function EntityPage({ path: full }: { path: string }): JSX.Element {
  const cut = full.lastIndexOf("/");
  const path = cut > 0 ? full.slice(0, cut) : "";
  const accession = cut > 0 ? full.slice(cut + 1) : full;
  const record = useApi<MetadataRecord>(path ? `/v1/${path}/${encodeURIComponent(accession)}` : null);
  const description = useApiDescription();
  const { query } = useLocation();
  const ncbi = path ? ncbiUrlOf(path, accession) : null;
  const title = record.status === "ok" ? (record.data["title"] ?? record.data["name"]) : undefined;
  const header = (
    <PageHeader
      title={accession}
      subtitle={
        <>
          <Link href={`/metadata?entity=${encodeURIComponent(path)}`}>{entityLabel(path)}</Link>
          {typeof title === "string" && <> · {title}</>}
        </>
      }
    >
      {ncbi && (
        <a class="button" href={ncbi} target="_blank" rel="noreferrer" data-testid="ncbi-link">
          Open at NCBI ↗
        </a>
      )}
    </PageHeader>
  );
  if (!path)
    return (
      <>
        <PageHeader title={accession} />
        <Empty title="This address names no entity">
          <p>
            Record pages look like <code>/metadata/sra/studies/SRP000001</code>. Browse the{" "}
            <Link href="/metadata">metadata</Link> to find one.
          </p>
        </Empty>
      </>
    );
  if (record.status === "error" && record.error.status === 404)
    return (
      <>
        {header}
        <Empty title={`${accession} is not among the served ${entityLabel(path)}`}>
          <p>{record.error.message}</p>
          <p>
            Search the <Link href={`/metadata?entity=${encodeURIComponent(path)}`}>{entityLabel(path)}</Link>,
            or open it at NCBI if the lake has not harvested it.
          </p>
        </Empty>
      </>
    );
  const children = description.status === "ok" ? childRoutesOf(description.data, path) : [];
  const tabs = [
    { id: "fields", label: "Fields" },
    ...children.map((c) => ({ id: c.segment, label: parameterLabel(c.segment.replace(/-/g, " ")) })),
    { id: "links", label: "Linked accessions" },
  ];
  const tab = tabs.some((t) => t.id === query.get("tab")) ? query.get("tab")! : "fields";
  const child = children.find((c) => c.segment === tab);
  return (
    <>
      {header}
      <Tabs tabs={tabs} active={tab} />
      {tab === "fields" && (
        <section class="panel">
          <Async value={record} loading={`Loading ${accession}…`}>
            {(data) => <RecordFields record={data} self={accession} />}
          </Async>
        </section>
      )}
      {child && <ChildList path={path} accession={accession} child={child} cursor={query.get("cursor")} />}
      {tab === "links" && <LinkedAccessions accession={accession} />}
    </>
  );
}

function ChildList({
  path,
  accession,
  child,
  cursor,
}: {
  path: string;
  accession: string;
  child: ChildRoute;
  cursor: string | null;
}): JSX.Element {
  const index = useApi<ServingIndex>("/v1");
  const list = useApi<Page<MetadataRecord>>(
    apiUrl(`/v1/${path}/${encodeURIComponent(accession)}/${child.segment}`, { cursor, limit: PAGE_SIZE }),
  );
  const pathOfKind = (kind: unknown): string | null => {
    if (index.status !== "ok") return null;
    const entity = index.data.entities.find((e) => e.entity === kind);
    return entity ? entity.path.replace(/^\/v1\//, "") : null;
  };
  return (
    <section class="panel">
      <h2>{child.summary || parameterLabel(child.segment)}</h2>
      <Async value={list} loading="Loading…">
        {(page) => (
          <>
            <DataTable
              testId="child-list"
              rows={page.data}
              rowKey={accessionOf}
              empty={<Empty title={`No ${child.segment.replace(/-/g, " ")} are recorded for ${accession}`} />}
              columns={[
                {
                  key: "accession",
                  label: "Accession",
                  render: (r) => {
                    const target = pathOfKind(r["kind"]) ?? entityPathOf(accessionOf(r));
                    return target ? (
                      <Link href={entityHref(target, accessionOf(r))} class="mono">
                        {accessionOf(r)}
                      </Link>
                    ) : (
                      <span class="mono">{accessionOf(r)}</span>
                    );
                  },
                },
                ...summaryTableColumns(page.data),
              ]}
            />
            <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
          </>
        )}
      </Async>
    </section>
  );
}

interface AccessionLinks {
  data: {
    accession: string;
    type: string;
    links: {
      accession: string;
      type: string;
      depth: number;
      relation: string;
      source: string;
      path: string[];
    }[];
  };
}

function LinkedAccessions({ accession }: { accession: string }): JSX.Element {
  const links = useApi<AccessionLinks>(`/v1/links/${encodeURIComponent(accession)}`);
  let body: JSX.Element;
  if (links.status === "loading") body = <Loading label="Following accession links…" />;
  else if (links.status === "error")
    body =
      links.error.code === "not_loaded" ? (
        <Empty title="Accession links are not loaded">
          <p>
            The links between SRA, GEO, BioSample, BioProject and PubMed accessions are built during
            consolidation; run <code>omicslake load</code> afterwards to serve them.
          </p>
        </Empty>
      ) : links.error.status === 404 ? (
        <Empty title={`No accession link mentions ${accession}`} />
      ) : (
        <ErrorState error={links.error} onRetry={links.reload} />
      );
  else
    body = (
      <DataTable
        testId="linked-accessions"
        rows={links.data.data.links}
        rowKey={(l) => l.accession}
        empty={<Empty title={`No accession is linked to ${accession}`} />}
        columns={[
          {
            key: "accession",
            label: "Accession",
            render: (l) => {
              const target = entityPathOf(l.accession);
              return target ? (
                <Link href={entityHref(target, l.accession)} class="mono">
                  {l.accession}
                </Link>
              ) : (
                <span class="mono">{l.accession}</span>
              );
            },
          },
          { key: "type", label: "Type" },
          { key: "depth", label: "Steps", align: "right" },
          { key: "relation", label: "Relation", secondary: true },
          { key: "path", label: "Path", secondary: true, render: (l) => l.path.join(" → ") },
        ]}
      />
    );
  return (
    <section class="panel">
      <h2>Accessions linked to {accession}</h2>
      {body}
    </section>
  );
}
