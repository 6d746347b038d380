import type { Page, Run, RunStatus } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useLocation } from "../../router/router.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { ClearFiltersButton, FilterField, useQueryFilters } from "../../ui/query-filters.js";
import { Async, Empty } from "../../ui/states.js";
import { RunTable } from "./run-table.js";
import { SelectField } from "../../ui/select-field.js";

const STATUSES: readonly RunStatus[] = ["running", "succeeded", "failed", "abandoned", "cancelled"];
const PAGE_SIZE = 25;

/** `/runs?step=&status=&asset=&partition=&cursor=`: every run, newest first, filtered and keyset-paged. */
export function RunsPage(): JSX.Element {
  const { query } = useLocation();
  const filters = useQueryFilters(["step", "status", "asset", "partition"] as const);
  const runs = useApi<Page<Run>>(
    apiUrl("/v1/runs", { ...filters.values, limit: PAGE_SIZE, cursor: query.get("cursor") }),
  );
  const filtered = filters.filtered;
  return (
    <>
      <PageHeader title="Runs" subtitle="Every step the lake has run, newest first" />
      <form class="filters" aria-label="run filters" onSubmit={(e) => e.preventDefault()}>
        <FilterField filters={filters} name="step" label="Step" placeholder="e.g. asset, load" />
        <SelectField
          label="Status"
          name="status"
          value={filters.values.status}
          choices={STATUSES}
          any="any"
          onChange={(value) => filters.set("status", value)}
        />
        <FilterField filters={filters} name="asset" label="Asset" placeholder="e.g. metadata/serving" grow />
        <FilterField filters={filters} name="partition" label="Partition" />
        <ClearFiltersButton filters={filters} />
      </form>
      <Async value={runs} loading="Loading runs…">
        {(page) => (
          <>
            <RunTable
              runs={page.data}
              testId="runs-table"
              empty={
                <Empty title={filtered ? "No run matches these filters" : "No runs yet"}>
                  {filtered
                    ? "Loosen or clear the filters above."
                    : "Runs appear here once the lake ingests, converts, promotes or materializes something."}
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
