import type { ErrorCode } from "@omicslake/core";

/**
 * The one table from the project's error codes to HTTP statuses. `satisfies` makes a new code in core
 * fail to compile here until it has a status. Input that cannot be parsed or converted is 422: the
 * request was well formed, the data it points at is not.
 */
const STATUS = {
  // Requests and lookups
  not_found: 404,
  invalid_input: 400,
  // A command line called wrongly; the API never raises it, but every code has a status.
  usage: 400,
  invalid_cursor: 400,
  invalid_limit: 400,
  invalid_accession: 400,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  conflict: 409,
  // Configuration
  config_error: 400,
  invalid_source_config: 400,
  // Lake rules and stored objects
  raw_immutable: 403,
  raw_conflict: 409,
  raw_not_registrable: 403,
  not_raw: 409,
  not_processed: 409,
  layer_skip: 422,
  already_promoted: 409,
  object_exists: 409,
  checksum_mismatch: 422,
  // A stored object that no longer matches its record is the lake's fault, not the client's.
  integrity_error: 500,
  input_not_found: 404,
  database_in_use: 503,
  restore_incomplete: 409,
  database_unavailable: 503,
  download_in_progress: 409,
  // A step stops early only when its process is shutting down; the client may retry.
  cancelled: 503,
  // A processing step failed on items: the input is the problem (a command that exits, raw missing an item).
  command_failed: 422,
  item_input_missing: 409,
  items_failed: 422,
  item_busy: 409,
  input_changing: 409,
  no_handler: 501,
  // A provenance record naming datasets that do not exist, or ending before it started.
  missing_datasets: 422,
  invalid_time_range: 422,
  // Upstream sources
  fetch_failed: 502,
  upstream_failed: 502,
  upstream_checksum_mismatch: 502,
  upstream_listing_invalid: 502,
  filter_changed: 409,
  // An asset-partition already running elsewhere; an asset whose materialization failed (its error is in its run).
  asset_busy: 409,
  asset_failed: 422,
  // Metadata flow
  unknown_dataset: 404,
  unknown_entity: 404,
  unknown_format: 422,
  no_raw_dataset: 404,
  not_reprocessable: 409,
  not_consolidated: 409,
  not_loaded: 503,
  entity_missing: 404,
  parse_failed: 422,
  query_failed: 400,
  serving_load_failed: 500,
  shrink_refused: 409,
  // Record parsers
  empty_input: 422,
  corrupt_gzip: 422,
  truncated_gzip: 422,
  malformed_xml: 422,
  truncated_xml: 422,
  too_deep: 422,
  unexpected_root: 422,
  record_too_large: 422,
  missing_element: 422,
  missing_accession: 422,
  malformed_soft_line: 422,
  soft_line_too_long: 422,
  truncated_soft_table: 422,
  malformed_genbank: 422,
  truncated_genbank: 422,
  malformed_tab_line: 422,
  unexpected_tab_header: 422,
  // Format converters
  unsupported_format: 422,
  output_exists: 422,
  unsupported_r_type: 422,
  unknown_sexp_type: 422,
  rds_malformed: 422,
  unsafe_pickle_global: 422,
  pickle_malformed: 422,
  unsupported_pickle_object: 422,
  csv_malformed: 422,
  archive_unsafe_member: 422,
  archive_limit_exceeded: 422,
  archive_malformed: 422,
  compressed_truncated: 422,
  compressed_corrupt: 422,
  invalid_hdf5: 422,
  h5ad_malformed: 422,
  h5ad_unsupported: 422,
  mtx_malformed: 422,
  mtx_header_mismatch: 422,
  mtx_index_out_of_range: 422,
  mtx_value_out_of_range: 422,
  mtx_truncated: 422,
  mtx_unsupported: 422,
  tenx_incomplete: 422,
  reads_malformed: 422,
  // Expression analytics
  expression_not_built: 404,
  // A store whose first build is still running: ask again when it finishes.
  expression_building: 409,
  unknown_gene: 404,
  unknown_group: 404,
  unknown_column: 400,
  result_too_large: 400,
  engine_unavailable: 503,
  not_a_matrix: 422,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status an error with this code is answered with. */
export function statusForCode(code: ErrorCode): number {
  return STATUS[code];
}
