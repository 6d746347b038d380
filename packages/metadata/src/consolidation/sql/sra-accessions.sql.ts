/** A text column of the processed rows, trimmed, blank as NULL. */
const text = (column: string, as = column): string => `nullif(trim("${column}"), '') AS "${as}"`;

/** NCBI writes UTC (`2016-12-14T16:12:25Z`); an offset, if ever given, is honoured; the column is UTC. */
const timestamp = (column: string): string =>
  `timezone('UTC', TRY_CAST(nullif(trim("${column}"), '') AS TIMESTAMPTZ)) AS "${column}"`;

/**
 * SRA_Accessions.tab: each fetch is the whole archive, so only the latest fetch counts (the greatest `_order`,
 * see `raw-object-partition.ts`); an accession listed twice in it keeps its last line. An object missing from
 * the latest fetch is gone from the table. Columns are typed here, not taken from the record: dates as
 * TIMESTAMP (UTC), counts as BIGINT, the rest text.
 */
export const SRA_ACCESSIONS_SQL = `
SELECT
  kind,
  trim(accession) AS accession,
  ${[
    text("submission"),
    text("status"),
    timestamp("updated"),
    timestamp("published"),
    timestamp("received"),
    text("type"),
    text("center"),
    text("visibility"),
    text("alias"),
    text("experiment"),
    text("sample"),
    text("study"),
    `CAST(loaded AS BIGINT) AS loaded`,
    `CAST(spots AS BIGINT) AS spots`,
    `CAST(bases AS BIGINT) AS bases`,
    text("md5sum"),
    text("biosample"),
    text("bioproject"),
    text("replacedBy"),
  ].join(",\n  ")}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
  AND _order = (SELECT max(_order) FROM {{input}})
QUALIFY row_number() OVER (PARTITION BY trim(accession) ORDER BY _source DESC, _line DESC) = 1
ORDER BY accession
`;
