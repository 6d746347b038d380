/**
 * SRA study, sample, experiment, run and submission: the copy from the latest Mirroring batch wins, and on one
 * date an Incremental beats the Full (`_order` is `<batch date>|<0 Full, 1 Incremental>|…`, so it sorts after).
 * Within one file the last occurrence wins. Each object then takes its `status`, `visibility` and `updated`
 * (TIMESTAMP WITH TIME ZONE) from the curated `sra_accessions` (the latest SRA_Accessions.tab), as OmicIDX serves them;
 * they are NULL for objects the file does not list, or when no SRA_Accessions.tab was ingested.
 */
export const SRA_ENTITY_SQL = `
WITH latest AS (
  SELECT {{columns}}
  FROM {{input}}
  WHERE nullif(trim(accession), '') IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY trim(accession) ORDER BY _order DESC, _line DESC) = 1
)
SELECT latest.*, a.status AS status, a.visibility AS visibility, a.updated AS updated
FROM latest
LEFT JOIN (SELECT accession, status, visibility, updated FROM {{entity:sra_accessions}}) a
  ON a.accession = latest.accession
ORDER BY latest.accession
`;
