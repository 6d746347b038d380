/**
 * SRA_Accessions.tab: each fetch is the whole archive, so only the latest fetch counts (the greatest `_order`,
 * see `raw-object-partition.ts`); an accession listed twice in it keeps its last line. An object missing from
 * the latest fetch is gone from the table. The columns come typed from processing like every kind's (dates
 * TIMESTAMP WITH TIME ZONE, NCBI's UTC; counts BIGINT; a date that does not parse NULL with its text in
 * `{name}_raw`); here text is trimmed like every entity's.
 */
export const SRA_ACCESSIONS_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
  AND _order = (SELECT max(_order) FROM {{input}})
QUALIFY row_number() OVER (PARTITION BY trim(accession) ORDER BY _source DESC, _line DESC) = 1
ORDER BY accession
`;
