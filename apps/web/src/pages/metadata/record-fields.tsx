import type { JSX } from "preact";
import { Link } from "../../router/link.js";
import { entityHref, entityPathOf, isPubmedField } from "./accessions.js";

/**
 * A metadata record's fields, nested objects and arrays included, as readable definition lists; accessions
 * of other records become links to their pages and URLs become external links. Empty fields (the many
 * `[]` a source leaves unfilled) are left out and counted.
 */
export function RecordFields({
  record,
  self,
}: {
  record: Readonly<Record<string, unknown>>;
  self: string;
}): JSX.Element {
  const entries = Object.entries(record).filter(([name, value]) => name !== "kind" && !isEmpty(value));
  const hidden = Object.keys(record).length - entries.length - ("kind" in record ? 1 : 0);
  return (
    <>
      <dl class="facts record-fields" data-testid="record-fields">
        {entries.map(([name, value]) => (
          <FieldRow key={name} name={name} value={value} self={self} />
        ))}
      </dl>
      {hidden > 0 && (
        <p class="muted record-hidden">
          {hidden} empty field{hidden === 1 ? "" : "s"} not shown.
        </p>
      )}
    </>
  );
}

function FieldRow({ name, value, self }: { name: string; value: unknown; self: string }): JSX.Element {
  return (
    <>
      <dt title={name}>{fieldLabel(name)}</dt>
      <dd>
        <Value value={value} self={self} pubmed={isPubmedField(name)} />
      </dd>
    </>
  );
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.every(isEmpty);
  if (typeof value === "object") return Object.values(value as Record<string, unknown>).every(isEmpty);
  return false;
}

/** `studyAccession` → `study accession`, `pubmed_id` → `pubmed id`. */
function fieldLabel(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
}

function Value({ value, self, pubmed }: { value: unknown; self: string; pubmed: boolean }): JSX.Element {
  if (Array.isArray(value)) {
    const items = (value as unknown[]).filter((v) => !isEmpty(v));
    if (items.every((v) => typeof v !== "object"))
      return (
        <span class="value-list">
          {items.map((v, i) => (
            <Scalar key={i} value={v} self={self} pubmed={pubmed} />
          ))}
        </span>
      );
    return (
      <ol class="value-objects">
        {items.map((v, i) => (
          <li key={i}>
            <Value value={v} self={self} pubmed={pubmed} />
          </li>
        ))}
      </ol>
    );
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !isEmpty(v));
    return (
      <dl class="facts nested">
        {entries.map(([name, v]) => (
          <FieldRow key={name} name={name} value={v} self={self} />
        ))}
      </dl>
    );
  }
  return <Scalar value={value} self={self} pubmed={pubmed} />;
}

function Scalar({ value, self, pubmed }: { value: unknown; self: string; pubmed: boolean }): JSX.Element {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (pubmed && /^\d+$/.test(text))
    return (
      <Link href={entityHref("pubmed", text)} class="mono value-item">
        {text}
      </Link>
    );
  if (typeof value === "string") {
    const path = text !== self ? entityPathOf(text) : null;
    if (path)
      return (
        <Link href={entityHref(path, text)} class="mono value-item">
          {text}
        </Link>
      );
    if (/^(https?|ftp):\/\/\S+$/.test(text))
      return (
        <a href={text} class="value-item" target="_blank" rel="noreferrer">
          {text}
        </a>
      );
  }
  return <span class="value-item">{text}</span>;
}
