import type { Page, Run, RunStatus } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { setQuery, useLocation } from "../../router/router.js";
import { PageHeader } from "../../ui/page-header.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";
import { RunTable } from "./run-table.js";
import { SelectField } from "../../ui/select-field.js";

const STATUSES: readonly RunStatus[] = ["running", "succeeded", "failed", "abandoned", "cancelled"];
const PAGE_SIZE = 25;

/** `/runs?step=&status=&asset=&partition=&cursor=`: every run, newest first, filtered and keyset-paged. */
export function RunsPage(): JSX.Element {
  const { query } = useLocation();
  const filters = {
    step: query.get("step") ?? "",
    status: query.get("status") ?? "",
    asset: query.get("asset") ?? "",
    partition: query.get("partition") ?? "",
  };
  const runs = useApi<Page<Run>>(
    apiUrl("/v1/runs", { ...filters, limit: PAGE_SIZE, cursor: query.get("cursor") }),
  );
  const filtered = Object.values(filters).some((v) => v !== "");
  // A new filter starts again from the first page: a cursor belongs to the list it came from.
  const set = (name: keyof typeof filters, value: string): void =>
    setQuery({ [name]: value.trim(), cursor: null });
  return (
    <>
      <PageHeader title="Runs" subtitle="Every step the lake has run, newest first" />
      <form class="filters" aria-label="run filters" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          Step
          <input
            name="step"
            value={filters.step}
            placeholder="e.g. asset, load"
            onChange={(e) => set("step", e.currentTarget.value)}
          />
        </label>
        <SelectField
          label="Status"
          name="status"
          value={filters.status}
          choices={STATUSES}
          any="any"
          onChange={(value) => set("status", value)}
        />
        <label class="field grow">
          Asset
          <input
            name="asset"
            value={filters.asset}
            placeholder="e.g. metadata/serving"
            onChange={(e) => set("asset", e.currentTarget.value)}
          />
        </label>
        <label class="field">
          Partition
          <input
            name="partition"
            value={filters.partition}
            onChange={(e) => set("partition", e.currentTarget.value)}
          />
        </label>
        {filtered && (
          <button
            type="button"
            class="button"
            onClick={() => setQuery({ step: null, status: null, asset: null, partition: null, cursor: null })}
          >
            Clear filters
          </button>
        )}
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
