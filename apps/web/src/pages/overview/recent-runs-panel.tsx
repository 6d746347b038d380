import type { Page, Run } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { Async, Empty } from "../../ui/states.js";
import { RunTable } from "../runs/run-table.js";

/** The ten newest runs. */
export function RecentRunsPanel(): JSX.Element {
  const runs = useApi<Page<Run>>("/v1/runs?limit=10");
  return (
    <section class="panel span-2">
      <div class="panel-head">
        <h2>Recent runs</h2>
        <Link href="/runs">All runs →</Link>
      </div>
      <Async value={runs} loading="Loading recent runs…">
        {(page) => (
          <RunTable
            runs={page.data}
            testId="recent-runs"
            empty={
              <Empty title="Nothing has run yet">
                Ingesting, adding or promoting data records a run here.
              </Empty>
            }
          />
        )}
      </Async>
    </section>
  );
}
