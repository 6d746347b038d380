/**
 * GEO series, sample and platform: the record with the latest last-update date per accession wins (a
 * DATE); on equal dates the later-fetched file, then the later line.
 */
export const GEO_ENTITY_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY trim(accession)
  ORDER BY lastUpdateDate DESC NULLS LAST, _order DESC, _line DESC
) = 1
ORDER BY accession
`;
