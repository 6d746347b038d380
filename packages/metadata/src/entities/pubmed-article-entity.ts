import { PUBMED_ARTICLE_SQL } from "../consolidation/sql/pubmed-article.sql.js";
import type { EntityDefinition } from "./entity-definition.js";
import { filter as f } from "./filter-definition.js";
import { col, date, int, lower, text, tsv } from "./serving-column-sql.js";

export const PUBMED_ARTICLE_COLUMNS = {
  title: col("text", text("title"), false),
  pmid: col("integer", int("pmid")),
  journal: col("text", lower("journal.title")),
  journal_abbreviation: col("text", lower("journal.isoAbbreviation")),
  pub_year: col("integer", int("journal.pubDate.year")),
  date_revised: col("date", date("dateRevised")),
  date_completed: col("date", date("dateCompleted")),
  doi: col("text", lower("doi")),
  pmc: col("text", text("pmc")),
};

/** PubMed articles, from the baseline and update files. */
export const PUBMED_ARTICLE = {
  key: "pubmed_article",
  curated: { format: "pubmed", sql: PUBMED_ARTICLE_SQL, rule: "latest revision; deletions applied" },
  serving: {
    columns: PUBMED_ARTICLE_COLUMNS,
    search: tsv({ A: ["title"], B: ["abstract.text"], C: ["journal.title"] }),
  },
  filters: [
    f("journal", "journal", "lower", "Journal title (case-insensitive)", "BMC genomics"),
    f(
      "journal_abbreviation",
      "journal_abbreviation",
      "lower",
      "ISO journal abbreviation (case-insensitive)",
      "BMC Genomics",
    ),
    f("pub_year", "pub_year", "int", "Publication year", 2016),
    f("pub_year_from", "pub_year", "int_from", "Published in or after this year", 2010),
    f("pub_year_to", "pub_year", "int_to", "Published in or before this year", 2020),
    f("doi", "doi", "lower", "DOI (case-insensitive)", "10.1186/s12864-015-2353-z"),
    f("pmc", "pmc", "exact", "PubMed Central id", "PMC4702322"),
    f("revised_from", "date_revised", "date_from", "Revised on or after (YYYY-MM-DD)", "2016-01-01"),
    f("revised_to", "date_revised", "date_to", "Revised on or before (YYYY-MM-DD)", "2021-12-31"),
    f("completed_from", "date_completed", "date_from", "Completed on or after (YYYY-MM-DD)", "2016-01-01"),
    f("completed_to", "date_completed", "date_to", "Completed on or before (YYYY-MM-DD)", "2021-12-31"),
  ],
  api: {
    path: "/v1/pubmed",
    tag: "pubmed",
    noun: "PubMed article",
    plural: "PubMed articles",
    exampleAccessions: ["26732976", "29768149"],
    example: {
      accession: "26732976",
      pmid: 26732976,
      title: "A generally accepted approach to RNA-Seq count analysis",
      journal: { title: "BMC genomics", pubDate: { year: 2016 } },
    },
  },
  parents: [],
} as const satisfies EntityDefinition<typeof PUBMED_ARTICLE_COLUMNS>;
