import type { CatalogStats } from "@omicslake/contract";
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { Badge } from "../../ui/badge.js";
import { formatBytes, formatNumber } from "../../ui/format.js";
import { PageHeader } from "../../ui/page-header.js";
import { ErrorState } from "../../ui/states.js";
import { LAYERS } from "../catalog/catalog-query.js";
import { PromotePanel } from "./promote-panel.js";
import { PromotionHistory } from "./promotion-history.js";

const PURPOSE: Readonly<Record<string, string>> = {
  raw: "Files as collected, never changed",
  processed: "Converted to open formats",
  curated: "Consolidated, ready to query",
  archive: "Kept for the record",
};

/** `/layers`: what each layer holds, promotion into the next one, and the promotions made so far. */
export function LayersPage(): JSX.Element {
  const stats = useApi<CatalogStats>("/v1/catalog/stats");
  // Bumped by a promotion: the history is mounted afresh so its first page shows the new entry.
  const [promotions, setPromotions] = useState(0);
  return (
    <>
      <PageHeader
        title="Layers"
        subtitle="Data moves raw → processed → curated → archive, one layer at a time"
      />
      {/* The cards are drawn at once, with placeholders until the totals arrive, so nothing below them moves
          under the pointer when they do. */}
      <div class="cards layer-cards" data-testid="layer-cards" aria-busy={stats.status === "loading"}>
        {LAYERS.map((layer) => {
          const row = stats.status === "ok" ? stats.data.by_layer.find((l) => l.layer === layer) : undefined;
          const known = stats.status === "ok";
          const number = (value: number | undefined, format: (n: number) => string): string =>
            known ? format(value ?? 0) : "…";
          return (
            <Link
              key={layer}
              href={`/catalog?layer=${layer}`}
              class={`card layer-card layer-${layer}`}
              data-layer={layer}
              aria-label={`${layer}: ${number(row?.datasets, formatNumber)} datasets, open in the catalog`}
            >
              <div class="layer-card-head">
                <Badge value={layer} />
                <span class="muted">{PURPOSE[layer]}</span>
              </div>
              <div class="value">{number(row?.datasets, formatNumber)}</div>
              <div class="label">datasets</div>
              <div class="layer-card-foot muted">
                {number(row?.objects, formatNumber)} objects · {number(row?.bytes, formatBytes)}
              </div>
              <span class="layer-card-link">Browse {layer} →</span>
            </Link>
          );
        })}
      </div>
      {stats.status === "error" && <ErrorState error={stats.error} onRetry={stats.reload} />}
      <PromotePanel
        onPromoted={() => {
          stats.reload();
          setPromotions((n) => n + 1);
        }}
      />
      <PromotionHistory key={promotions} />
    </>
  );
}
