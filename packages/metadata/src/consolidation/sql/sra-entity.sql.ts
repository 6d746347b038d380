/**
 * SRA study, sample, experiment and run: the copy from the latest Mirroring batch wins, and on one date an
 * Incremental beats the Full (`_order` is `<batch date>|<0 Full, 1 Incremental>|…`, so it sorts after).
 * Within one file the last occurrence wins.
 */
export const SRA_ENTITY_SQL = `
SELECT {{columns}}
FROM {{input}}
WHERE nullif(trim(accession), '') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY trim(accession) ORDER BY _order DESC, _line DESC) = 1
ORDER BY accession
`;
