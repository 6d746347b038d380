/**
 * PubMed: the latest revision per PMID (date revised, then the later file: baseline before update files,
 * files by number, then the higher version, then the later line). A DeleteCitation in the same or a later
 * file than that revision removes the PMID; an article re-sent after its deletion comes back.
 */
export const PUBMED_ARTICLE_SQL = `
WITH latest AS (
  SELECT *
  FROM {{input}}
  WHERE pmid IS NOT NULL
  QUALIFY row_number() OVER (
    PARTITION BY pmid
    ORDER BY dateRevised DESC NULLS LAST, _order DESC, version DESC NULLS LAST, _line DESC
  ) = 1
), deleted AS (
  SELECT pmid, max(_order) AS deleted_order FROM {{deletions}} WHERE pmid IS NOT NULL GROUP BY pmid
)
SELECT {{columns}}
FROM latest
WHERE NOT EXISTS (SELECT 1 FROM deleted d WHERE d.pmid = latest.pmid AND d.deleted_order >= latest._order)
ORDER BY pmid
`;
