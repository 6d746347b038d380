import type { Dataset } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { useLocation } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { PageHeader } from "../../ui/page-header.js";
import { Async, Empty } from "../../ui/states.js";
import { Tabs } from "../../ui/tabs.js";
import { datasetApiPath, invalidRefMessage } from "./dataset-ref.js";
import { FilesTab } from "./files-tab.js";
import { OverviewTab } from "./overview-tab.js";
import { ProvenanceTab } from "./provenance-tab.js";
import { RunsTab } from "./runs-tab.js";
import { SchemaTab } from "./schema-tab.js";
import { VersionsTab } from "./versions-tab.js";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "files", label: "Files" },
  { id: "schema", label: "Schema" },
  { id: "versions", label: "Versions" },
  { id: "provenance", label: "Provenance" },
  { id: "runs", label: "Runs" },
] as const;

type TabId = (typeof TABS)[number]["id"];

function tabOf(query: URLSearchParams): TabId {
  const tab = query.get("tab");
  return TABS.find((t) => t.id === tab)?.id ?? "overview";
}

/** `/datasets/:id`: one dataset (by id, name or `layer:name`) with its files, schemas, versions and lineage. */
export function DatasetPage({ id }: { id: string }): JSX.Element {
  const { query } = useLocation();
  const url = datasetApiPath(id);
  const dataset = useApi<Dataset>(url);
  const tab = tabOf(query);
  // A link to a deleted dataset (or a typo) is the common failure: it gets a page that says so, not a retry.
  if (url === null || (dataset.status === "error" && dataset.error.status === 404))
    return (
      <>
        <PageHeader title="Dataset not found" />
        <Empty title={url === null ? "This link does not name a dataset" : `The lake has no dataset ${id}`}>
          <p>
            {url === null
              ? invalidRefMessage(id)
              : "It may have been deleted (its lineage stays in the provenance of the datasets around it), or the link has a typo."}
          </p>
          <Link class="button" href="/catalog">
            Browse the catalog
          </Link>
        </Empty>
      </>
    );
  return (
    <Async value={dataset} loading={`Loading dataset ${id}…`}>
      {(d) => (
        <div class="dataset-page">
          <PageHeader
            title={d.name}
            subtitle={
              <span class="dataset-subtitle">
                <Badge value={d.layer} /> <span>source {d.source}</span>
                <span>· id {d.id}</span>
                {d.external_id && <span>· {d.external_id}</span>}
              </span>
            }
          >
            <Link class="button" href={`/catalog?layer=${d.layer}`}>
              More in {d.layer}
            </Link>
          </PageHeader>
          <Tabs tabs={TABS} active={tab} />
          <TabBody tab={tab} dataset={d} />
        </div>
      )}
    </Async>
  );
}

function TabBody({ tab, dataset }: { tab: TabId; dataset: Dataset }): JSX.Element {
  switch (tab) {
    case "overview":
      return <OverviewTab dataset={dataset} />;
    case "files":
      return <FilesTab dataset={dataset} />;
    case "schema":
      return <SchemaTab dataset={dataset} />;
    case "versions":
      return <VersionsTab dataset={dataset} />;
    case "provenance":
      return <ProvenanceTab dataset={dataset} />;
    case "runs":
      return <RunsTab dataset={dataset} />;
  }
}
