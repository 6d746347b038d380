/** BioSample: the latest update per accession; on equal timestamps the newer dump, then the later line. */
export const BIOSAMPLE_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY trim(accession)
  ORDER BY lastUpdate DESC NULLS LAST, _order DESC, _line DESC
) = 1
ORDER BY accession
`;
