import type { Asset } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf } from "../../router/router.js";
import { Badge } from "../../ui/badge.js";
import { Async, Empty } from "../../ui/states.js";
import { ASSET_STATUSES, assetTone } from "../assets/asset-status.js";

/** How fresh the assets are: counts by status and staleness, and the stale or failed ones by name. */
export function AssetFreshnessPanel(): JSX.Element {
  const assets = useApi<{ data: Asset[] }>("/v1/assets");
  return (
    <section class="panel">
      <div class="panel-head">
        <h2>Asset freshness</h2>
        <Link href="/assets">Asset graph →</Link>
      </div>
      <Async value={assets} loading="Loading assets…">
        {({ data }) => {
          if (data.length === 0)
            return (
              <Empty title="No assets are configured">
                Flows and datasets in omicslake.toml define them.
              </Empty>
            );
          const stale = data.filter((a) => a.stale);
          const attention = data.filter((a) => a.stale || a.status === "failed");
          return (
            <>
              <ul class="status-counts" data-testid="asset-counts">
                {ASSET_STATUSES.map((status) => {
                  const n = data.filter((a) => a.status === status).length;
                  if (n === 0) return null;
                  return (
                    <li key={status} data-status={status}>
                      <Link href={`/assets?status=${status}`}>
                        <span class="count">{n}</span>{" "}
                        <Badge value={status} tone={assetTone({ status, stale: false })} />
                      </Link>
                    </li>
                  );
                })}
                <li data-status="stale">
                  <Link href="/assets?status=stale">
                    <span class="count">{stale.length}</span> <Badge value="stale" />
                  </Link>
                </li>
              </ul>
              {attention.length === 0 ? (
                <p class="muted">No asset is stale or failed.</p>
              ) : (
                <ul class="attention" data-testid="assets-attention">
                  {attention.map((a) => (
                    <li key={a.key}>
                      <Link href={pathOf("assets", a.key)}>{a.key}</Link>{" "}
                      <Badge value={a.status === "failed" ? "failed" : "stale"} />
                      {a.stale_reasons.length > 0 && <div class="muted">{a.stale_reasons.join("; ")}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </>
          );
        }}
      </Async>
    </section>
  );
}
