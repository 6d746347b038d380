import type { CatalogStats, ServingIndex } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { PageHeader } from "../../ui/page-header.js";
import { AssetFreshnessPanel } from "./asset-freshness-panel.js";
import { BackupPanel } from "./backup-panel.js";
import { CatalogCharts } from "./catalog-charts.js";
import { RecentRunsPanel } from "./recent-runs-panel.js";
import { ServingPanel } from "./serving-panel.js";
import { SummaryCards } from "./summary-cards.js";

/** `/`: the lake at a glance. Each panel loads on its own, so one slow or failing call hides nothing else. */
export function OverviewPage(): JSX.Element {
  const stats = useApi<CatalogStats>("/v1/catalog/stats");
  const serving = useApi<ServingIndex>("/v1");
  return (
    <>
      <PageHeader title="Overview" subtitle="What the lake holds, what ran lately and whether it is fresh" />
      <SummaryCards stats={stats} serving={serving} />
      <CatalogCharts stats={stats} />
      <div class="grid overview-grid">
        <RecentRunsPanel />
        <div class="stack">
          <AssetFreshnessPanel />
          <BackupPanel />
        </div>
        <ServingPanel serving={serving} />
      </div>
    </>
  );
}
