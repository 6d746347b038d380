/*
 * Convenience views of the snapshot, in the spirit of SRAdb's `sra` table and GEOmetadb's `gse_gsm`,
 * `gse_gpl` and supplementary-file listings. They read the entity tables, so they stay right after a
 * rebuild; `_metadata` is filled by the builder once every table exists. The entity definitions say
 * which tables each one reads.
 */

/** One row per run with its experiment, sample and study (SRAdb's denormalised "sra" table). */
export const SRA_VIEW_SQL = `
CREATE VIEW sra AS
SELECT
  r.accession AS run_accession,
  e.accession AS experiment_accession,
  s.accession AS sample_accession,
  st.accession AS study_accession,
  r.submissionAccession AS submission_accession,
  st.title AS study_title,
  st.studyType AS study_type,
  st.abstract AS study_abstract,
  coalesce(st.bioproject, r.bioproject) AS bioproject,
  e.title AS experiment_title,
  e.library.strategy AS library_strategy,
  e.library.source AS library_source,
  e.library.selection AS library_selection,
  e.library.layout AS library_layout,
  coalesce(e.platform, r.platform) AS platform,
  coalesce(e.instrumentModel, r.instrumentModel) AS instrument_model,
  s.title AS sample_title,
  coalesce(s.biosample, r.biosample) AS biosample,
  s.taxonId AS taxon_id,
  s.scientificName AS scientific_name,
  r.totalSpots AS total_spots,
  r.totalBases AS total_bases,
  r.size AS run_size,
  r.published AS run_published,
  coalesce(r.geoAccession, e.geoAccession) AS geo_accession
FROM sra_run r
LEFT JOIN sra_experiment e ON e.accession = r.experimentAccession
LEFT JOIN sra_sample s ON s.accession = coalesce(r.sampleAccession, e.sampleAccession)
LEFT JOIN sra_study st ON st.accession = coalesce(r.studyAccession, e.studyAccession)`;

/** Series ↔ sample links, from both sides (a series lists its samples, a sample its series). */
export const GSE_GSM_VIEW_SQL = `
CREATE VIEW gse_gsm AS
SELECT DISTINCT gse, gsm FROM (
  SELECT accession AS gse, unnest(sampleIds) AS gsm FROM geo_series
  UNION ALL
  SELECT unnest(seriesIds) AS gse, accession AS gsm FROM geo_sample
) WHERE gse IS NOT NULL AND gsm IS NOT NULL`;

/** Series ↔ platform links, from the series and from the platforms' series lists. */
export const GSE_GPL_VIEW_SQL = `
CREATE VIEW gse_gpl AS
SELECT DISTINCT gse, gpl FROM (
  SELECT accession AS gse, unnest(platformIds) AS gpl FROM geo_series
  UNION ALL
  SELECT unnest(seriesIds) AS gse, accession AS gpl FROM geo_platform
) WHERE gse IS NOT NULL AND gpl IS NOT NULL`;

/** Every supplementary file of a series, sample or platform, with its file name. */
export const GEO_SUPPLEMENTARY_FILE_VIEW_SQL = `
CREATE VIEW geo_supplementary_file AS
SELECT accession, entity_type, url, regexp_extract(url, '[^/]+$') AS file_name FROM (
  SELECT accession, 'series' AS entity_type, unnest(supplementaryFiles) AS url FROM geo_series
  UNION ALL
  SELECT accession, 'sample', unnest(supplementaryFiles) FROM geo_sample
  UNION ALL
  SELECT accession, 'platform', unnest(supplementaryFiles) FROM geo_platform
) WHERE url IS NOT NULL AND url <> '' AND upper(url) <> 'NONE'`;

/** GEO dataset ↔ series links: the series a GDS was curated from (its reference series). */
export const GDS_GSE_VIEW_SQL = `
CREATE VIEW gds_gse AS
SELECT DISTINCT gds, gse FROM (
  SELECT accession AS gds, unnest(referenceSeries) AS gse FROM geo_dataset
) WHERE gds IS NOT NULL AND gse IS NOT NULL`;

/**
 * GEO dataset ↔ sample links through the subsets, one row per subset a sample belongs to, with what the
 * subset groups by ("disease state", "agent", …) and its value ("normal").
 */
export const GDS_GSM_VIEW_SQL = `
CREATE VIEW gds_gsm AS
SELECT DISTINCT gds, gsm, subset, subset_type, subset_description FROM (
  SELECT datasetId AS gds, unnest(sampleIds) AS gsm, accession AS subset, type AS subset_type,
    description AS subset_description
  FROM geo_subset
) WHERE gds IS NOT NULL AND gsm IS NOT NULL`;
