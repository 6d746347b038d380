import type { CatalogStats, ServingIndex } from "@omicslake/contract";
import type { JSX } from "preact";
import type { Loadable } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { formatBytes, formatNumber } from "../../ui/format.js";

type Reloadable<T> = Loadable<T> & { reload: () => void };

/** The headline numbers: datasets, objects and bytes in the catalog, and what the API serves. */
export function SummaryCards({
  stats,
  serving,
}: {
  stats: Reloadable<CatalogStats>;
  serving: Reloadable<ServingIndex>;
}): JSX.Element {
  const s = stats.status === "ok" ? stats.data : null;
  const entities = serving.status === "ok" ? serving.data.entities : null;
  return (
    <section class="cards" aria-label="lake totals" data-testid="overview-cards">
      <Card
        label="Datasets"
        value={s && formatNumber(s.datasets)}
        source={stats}
        href="/catalog"
        testId="card-datasets"
      />
      <Card label="Objects" value={s && formatNumber(s.objects)} source={stats} testId="card-objects" />
      <Card label="Stored" value={s && formatBytes(s.bytes)} source={stats} testId="card-bytes" />
      <Card
        label={
          entities
            ? `served rows in ${entities.filter((e) => e.rows > 0).length} of ${entities.length} entities`
            : "served rows"
        }
        value={entities && formatNumber(entities.reduce((sum, e) => sum + e.rows, 0))}
        source={serving}
        href="/metadata"
        testId="card-served"
      />
    </section>
  );
}

function Card({
  label,
  value,
  source,
  href,
  testId,
}: {
  label: string;
  value: string | null;
  source: Reloadable<unknown>;
  href?: string;
  testId: string;
}): JSX.Element {
  const body =
    value !== null ? (
      <span class="value">{value}</span>
    ) : source.status === "error" ? (
      <span class="value card-failed" title={source.error.message}>
        unavailable{" "}
        <button type="button" class="link-button" onClick={source.reload}>
          retry
        </button>
      </span>
    ) : (
      <span class="value card-loading" aria-busy="true">
        …
      </span>
    );
  return (
    <div class="card" data-testid={testId}>
      {body}
      <div class="label">{href && value !== null ? <Link href={href}>{label}</Link> : label}</div>
    </div>
  );
}
