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

/**
 * GEO datasets (GDS): the record with the latest update date (a DATE) per accession wins; on equal dates
 * the later-fetched file, then the later line.
 */
export const GEO_DATASET_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY trim(accession)
  ORDER BY updateDate DESC NULLS LAST, _order DESC, _line DESC
) = 1
ORDER BY accession
`;

/**
 * GDS subsets carry no date of their own: they come in the file of their dataset, so the latest-fetched
 * file's copy wins, then the later line.
 */
export const GEO_SUBSET_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY trim(accession)
  ORDER BY _order DESC, _line DESC
) = 1
ORDER BY accession
`;
