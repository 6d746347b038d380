import type { AuditEntry, Page } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useSession } from "../../auth/session.js";
import { useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { DataTable, type Column } from "../../ui/data-table.js";
import { formatTime } from "../../ui/format.js";
import { KeyCheckState } from "../../ui/key-check-state.js";
import { KeyRequiredNote } from "../../ui/key-required-note.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { ClearFiltersButton, FilterField, useQueryFilters } from "../../ui/query-filters.js";
import { Async, Empty } from "../../ui/states.js";
import { SelectField } from "../../ui/select-field.js";

const FILTERS = ["actor", "action", "dataset", "outcome", "since", "until"] as const;
const OUTCOMES: readonly AuditEntry["outcome"][] = ["succeeded", "failed", "cancelled"];
const PAGE_SIZE = 50;

/** `/audit?actor=&action=&dataset=&outcome=&since=&until=&cursor=`: every write, admin only. */
export function AuditPage(): JSX.Element {
  const session = useSession();
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every write from the CLI and the API, newest first" />
      {session.isAdmin ? (
        <AuditList />
      ) : session.checking || session.checkError ? (
        <KeyCheckState />
      ) : (
        <Empty title="The audit log is for administrators">
          It names keys, users and what they changed, so it is shown only with an admin key.{" "}
          <KeyRequiredNote scope="admin" action="Reading the audit log" testId="audit-needs-key" />
        </Empty>
      )}
    </>
  );
}

function AuditList(): JSX.Element {
  const { query } = useLocation();
  const filters = useQueryFilters(FILTERS);
  const entries = useApi<Page<AuditEntry>>(
    apiUrl("/v1/audit", {
      ...filters.values,
      until: dayAfter(filters.values.until),
      limit: PAGE_SIZE,
      cursor: query.get("cursor"),
    }),
  );
  const filtered = filters.filtered;
  return (
    <>
      <form class="filters audit-filters" aria-label="audit filters" onSubmit={(e) => e.preventDefault()}>
        <FilterField filters={filters} name="actor" label="Actor" placeholder="key or user name" />
        <FilterField filters={filters} name="action" label="Action" placeholder="e.g. POST /v1/backups" />
        <FilterField filters={filters} name="dataset" label="Dataset" placeholder="name" />
        <SelectField
          label="Outcome"
          name="outcome"
          value={filters.values.outcome}
          choices={OUTCOMES}
          any="any"
          onChange={(value) => filters.set("outcome", value)}
        />
        <FilterField filters={filters} name="since" label="Since (UTC)" type="date" />
        <FilterField filters={filters} name="until" label="Until (UTC, inclusive)" type="date" />
        <ClearFiltersButton filters={filters} />
      </form>
      <Async value={entries} loading="Loading the audit log…">
        {(page) => (
          <>
            <DataTable
              columns={COLUMNS}
              rows={page.data}
              rowKey={(e) => e.id}
              testId="audit-table"
              empty={
                <Empty title={filtered ? "No entry matches these filters" : "Nothing has been written yet"}>
                  {filtered
                    ? "Loosen or clear the filters above."
                    : "Every write (CLI or API) is recorded here."}
                </Empty>
              }
            />
            <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
          </>
        )}
      </Async>
    </>
  );
}

/**
 * The API's `until` is exclusive and a bare date means its midnight, so a picked day is sent as the next
 * day: "until 6 December" then includes the 6th, as people read it.
 */
function dayAfter(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const next = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(next.getTime())) return value;
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

const COLUMNS: readonly Column<AuditEntry>[] = [
  { key: "at", label: "When", render: (e) => <span class="nowrap">{formatTime(e.at)}</span> },
  {
    key: "actor",
    label: "Actor",
    render: (e) => (
      <>
        {e.actor}
        <div class="muted">
          {e.actor_kind.replace("_", " ")} · {e.origin}
        </div>
      </>
    ),
  },
  { key: "action", label: "Action", render: (e) => <code>{e.action}</code> },
  { key: "dataset", label: "Dataset", secondary: true },
  {
    key: "outcome",
    label: "Outcome",
    render: (e) => (
      <>
        <Badge value={e.outcome} />
        {(e.error_code || e.http_status !== null) && (
          <div class="muted">
            {e.http_status !== null ? `HTTP ${e.http_status}` : ""}{" "}
            {e.error_code && <code>{e.error_code}</code>}
          </div>
        )}
      </>
    ),
  },
  {
    key: "details",
    label: "Details",
    secondary: true,
    render: (e) => {
      const parts = [
        ...e.objects.map((o) => o),
        ...Object.entries(e.details).map(
          ([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
        ),
      ];
      return parts.length === 0 ? (
        <span class="muted">—</span>
      ) : (
        <span class="audit-details" title={`request ${e.request_id}`}>
          {parts.join(" · ")}
        </span>
      );
    },
  },
];
