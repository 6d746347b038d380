/**
 * BioProject: the latest release of the dump wins (`_order` ranks the fetched versions of bioproject.xml);
 * within one release, the latest update, then the later line.
 */
export const BIOPROJECT_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY trim(accession)
  ORDER BY _order DESC, lastUpdate DESC NULLS LAST, _line DESC
) = 1
ORDER BY accession
`;
