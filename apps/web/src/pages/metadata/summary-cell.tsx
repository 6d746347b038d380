import type { ComponentChildren } from "preact";
import type { Column } from "../../ui/data-table.js";
import { Link } from "../../router/link.js";
import { entityHref, entityPathOf } from "./accessions.js";
import { shortDate, summaryColumns, type MetadataRecord } from "./record-columns.js";

/** The summary columns of a list of records as table columns; a parent's accession links to its page. */
export function summaryTableColumns(records: readonly MetadataRecord[]): Column<MetadataRecord>[] {
  return summaryColumns(records).map((c) => ({
    key: c.key,
    label: c.label,
    secondary: c.secondary,
    render: (record: MetadataRecord): ComponentChildren => {
      const value = c.value(record);
      if (value === null) return "—";
      if (c.key === "date") return shortDate(value);
      const path = c.key === "parent" ? entityPathOf(value) : null;
      return path ? (
        <Link href={entityHref(path, value)} class="mono">
          {value}
        </Link>
      ) : (
        value
      );
    },
  }));
}
