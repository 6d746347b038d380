import type { Dataset } from "@omicslake/contract";
import type { JSX } from "preact";
import { Badge } from "../../ui/badge.js";
import { formatBytes, formatNumber, formatTime } from "../../ui/format.js";
import { Empty } from "../../ui/states.js";

/** The dataset's catalog record, and its free-form `metadata` as rows. */
export function OverviewTab({ dataset: d }: { dataset: Dataset }): JSX.Element {
  const metadata = Object.entries(d.metadata);
  return (
    <div class="grid">
      <section class="panel" aria-labelledby="dataset-facts">
        <h2 id="dataset-facts">Facts</h2>
        <dl class="facts" data-testid="dataset-facts">
          <dt>Layer</dt>
          <dd>
            <Badge value={d.layer} />
          </dd>
          <dt>Source</dt>
          <dd>{d.source}</dd>
          <dt>External id</dt>
          <dd>{d.external_id ?? <span class="muted">none</span>}</dd>
          <dt>Description</dt>
          <dd>{d.description ?? <span class="muted">none</span>}</dd>
          <dt>Tags</dt>
          <dd>
            {d.tags.length === 0 ? (
              <span class="muted">none</span>
            ) : (
              d.tags.map((t) => (
                <span key={t} class="tag">
                  {t}
                </span>
              ))
            )}
          </dd>
          <dt>Objects</dt>
          <dd>{formatNumber(d.object_count)}</dd>
          <dt>Size</dt>
          <dd>
            {formatBytes(d.total_bytes)} <span class="muted">({formatNumber(d.total_bytes)} bytes)</span>
          </dd>
          <dt>Created</dt>
          <dd>{formatTime(d.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{formatTime(d.updated_at)}</dd>
        </dl>
      </section>
      <section class="panel" aria-labelledby="dataset-metadata">
        <h2 id="dataset-metadata">Metadata</h2>
        {metadata.length === 0 ? (
          <Empty title="No metadata recorded">
            <p>Metadata is set when a dataset is collected or created with a `metadata` object.</p>
          </Empty>
        ) : (
          <dl class="facts" data-testid="dataset-metadata">
            {metadata.map(([name, value]) => (
              <MetadataRow key={name} name={name} value={value} />
            ))}
          </dl>
        )}
      </section>
    </div>
  );
}

function MetadataRow({ name, value }: { name: string; value: unknown }): JSX.Element {
  return (
    <>
      <dt>{name}</dt>
      <dd>
        {typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (
          String(value)
        ) : value === null ? (
          <span class="muted">null</span>
        ) : (
          // Nested values stay JSON: faithful, and readable for the small objects metadata holds.
          <code class="json">{JSON.stringify(value, null, 1)}</code>
        )}
      </dd>
    </>
  );
}
