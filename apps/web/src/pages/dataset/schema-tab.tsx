import type { Dataset, SchemaField, SchemaVersion } from "@omicslake/contract";
import type { JSX } from "preact";
import { useApi } from "../../api/use-api.js";
import { Link } from "../../router/link.js";
import { pathOf, setQuery, useLocation } from "../../router/router.js";
import { formatTime } from "../../ui/format.js";
import { Async, Empty } from "../../ui/states.js";

/** The chosen version of each table, kept in the URL as repeated `version=<table>@<n>`. */
function chosenVersions(query: URLSearchParams): Map<string, number> {
  const chosen = new Map<string, number>();
  for (const value of query.getAll("version")) {
    const at = value.lastIndexOf("@");
    const version = Number(value.slice(at + 1));
    if (at > 0 && Number.isInteger(version)) chosen.set(value.slice(0, at), version);
  }
  return chosen;
}

function groupByTable(versions: readonly SchemaVersion[]): Map<string, SchemaVersion[]> {
  const tables = new Map<string, SchemaVersion[]>();
  for (const v of versions) {
    const list = tables.get(v.table) ?? [];
    list.push(v);
    tables.set(v.table, list);
  }
  for (const list of tables.values()) list.sort((a, b) => a.version - b.version);
  return tables;
}

/** Each table's fields at a chosen version (the latest by default), and what that version changed. */
export function SchemaTab({ dataset }: { dataset: Dataset }): JSX.Element {
  const { query } = useLocation();
  const schemas = useApi<{ data: SchemaVersion[] }>(pathOf("v1", "catalog", dataset.id, "schemas"));
  const chosen = chosenVersions(query);
  return (
    <Async value={schemas} loading="Loading schemas…">
      {({ data }) => {
        const tables = groupByTable(data);
        if (tables.size === 0)
          return (
            <Empty title="This dataset has no tables">
              <p>
                Schemas are recorded for tabular data (Parquet, DuckDB tables) when a conversion or
                consolidation writes it;{" "}
                {dataset.layer === "raw"
                  ? "raw datasets hold the files as collected."
                  : "see the Files tab for what it holds."}
              </p>
            </Empty>
          );
        return (
          <div data-testid="dataset-schemas">
            {tables.size > 3 && (
              <nav class="schema-index" aria-label="tables">
                <span class="muted">{tables.size} tables:</span>
                {[...tables.keys()].map((table) => (
                  // A plain fragment link: the browser scrolls to the table, and the URL keeps the view.
                  <a key={table} class="tag" href={`#table-${table}`}>
                    {table}
                  </a>
                ))}
              </nav>
            )}
            {[...tables].map(([table, versions]) => (
              <TableSchema
                key={table}
                table={table}
                versions={versions}
                chosen={chosen.get(table)}
                onChoose={(version) => {
                  const next = new Map(chosen);
                  if (version === versions[versions.length - 1]!.version) next.delete(table);
                  else next.set(table, version);
                  setQuery({ version: [...next].map(([t, v]) => `${t}@${v}`) });
                }}
              />
            ))}
          </div>
        );
      }}
    </Async>
  );
}

function TableSchema({
  table,
  versions,
  chosen,
  onChoose,
}: {
  table: string;
  versions: readonly SchemaVersion[];
  chosen: number | undefined;
  onChoose: (version: number) => void;
}): JSX.Element {
  const latest = versions[versions.length - 1]!;
  const current = versions.find((v) => v.version === chosen) ?? latest;
  const added = new Set(current.diff.added.map((f) => f.name));
  const retyped = new Set(current.diff.retyped.map((r) => r.name));
  const first = current.version === versions[0]!.version;
  return (
    <section
      class="panel schema-table"
      id={`table-${table}`}
      data-table={table}
      aria-label={`table ${table}`}
    >
      <header class="schema-head">
        <h2 class="mono">{table}</h2>
        <span class="muted">
          {current.fields.length} fields · {versions.length} version{versions.length === 1 ? "" : "s"}
        </span>
        <span class="spacer" />
        <label class="field inline">
          Version
          <select
            name={`version-${table}`}
            value={String(current.version)}
            onChange={(e) => onChoose(Number(e.currentTarget.value))}
          >
            {[...versions].reverse().map((v) => (
              <option key={v.version} value={String(v.version)}>
                v{v.version}
                {v === latest ? " (latest)" : ""} · {formatTime(v.created_at)}
              </option>
            ))}
          </select>
        </label>
      </header>
      <div class="schema-body">
        <div class="table-wrap">
          <table class="table schema-fields">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Type</th>
                <th scope="col">Nullable</th>
              </tr>
            </thead>
            <tbody>
              {current.fields.map((f) => (
                <tr
                  key={f.name}
                  class={!first && added.has(f.name) ? "added" : retyped.has(f.name) ? "retyped" : ""}
                >
                  <td class="mono">{f.name}</td>
                  <td class="mono">{f.type}</td>
                  <td>{f.nullable ? "yes" : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="schema-diff" data-testid={`schema-diff-${table}`}>
          <h3>
            {first ? `v${current.version}: the first recorded version` : `Changes in v${current.version}`}
          </h3>
          {first ? (
            <p class="muted">
              Recorded with {current.fields.length} fields
              {current.run_id !== null && (
                <>
                  {" "}
                  by <Link href={pathOf("runs", current.run_id)}>run #{current.run_id}</Link>
                </>
              )}
              .
            </p>
          ) : (
            <SchemaDiff version={current} />
          )}
        </div>
      </div>
    </section>
  );
}

function fieldText(f: SchemaField): string {
  return `${f.name} ${f.type}${f.nullable ? "" : " not null"}`;
}

function SchemaDiff({ version }: { version: SchemaVersion }): JSX.Element {
  const { added, removed, retyped } = version.diff;
  return (
    <>
      <p class="muted">
        Against v{version.version - 1}, {formatTime(version.created_at)}
        {version.run_id !== null && (
          <>
            {" "}
            by <Link href={pathOf("runs", version.run_id)}>run #{version.run_id}</Link>
          </>
        )}
        .
      </p>
      <ul class="diff-list">
        {added.map((f) => (
          <li key={`+${f.name}`} class="diff-added">
            <span class="diff-sign" aria-label="added">
              +
            </span>
            <code>{fieldText(f)}</code>
          </li>
        ))}
        {removed.map((f) => (
          <li key={`-${f.name}`} class="diff-removed">
            <span class="diff-sign" aria-label="removed">
              −
            </span>
            <code>{fieldText(f)}</code>
          </li>
        ))}
        {retyped.map((r) => (
          <li key={`~${r.name}`} class="diff-retyped">
            <span class="diff-sign" aria-label="retyped">
              ~
            </span>
            <code>
              {r.name} {r.from}
              {r.nullable_from ? "" : " not null"} → {r.to}
              {r.nullable_to ? "" : " not null"}
            </code>
          </li>
        ))}
      </ul>
    </>
  );
}
