import type { Dataset, Page, Run } from "@omicslake/contract";
import type { JSX } from "preact";
import { apiUrl } from "../../api/client.js";
import { useApi } from "../../api/use-api.js";
import { useLocation } from "../../router/router.js";
import { Pager } from "../../ui/pager.js";
import { Async, Empty } from "../../ui/states.js";
import { CursorError, isCursorRefusal } from "../catalog/cursor-error.js";
import { RunTable } from "../runs/run-table.js";

/**
 * The runs that wrote the dataset (created it, versioned it, fed a lineage edge into it or deleted it), newest
 * first, as the server lists them with `/v1/runs?dataset=`: one request per page, whatever the history's length.
 */
export function RunsTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const { query } = useLocation();
  const runs = useApi<Page<Run>>(
    apiUrl("/v1/runs", { dataset: dataset.id, limit: 50, cursor: query.get("cursor") }),
  );
  if (isCursorRefusal(runs)) return <CursorError />;
  return (
    <Async value={runs} loading="Loading runs…">
      {(page) => (
        <>
          <RunTable
            runs={page.data}
            testId="dataset-runs"
            empty={
              <Empty title="No run has written this dataset">
                <p>It was created directly (through the API or the CLI) and has no recorded run.</p>
              </Empty>
            }
          />
          <Pager nextCursor={page.meta.next_cursor} count={page.meta.count} />
        </>
      )}
    </Async>
  );
}
