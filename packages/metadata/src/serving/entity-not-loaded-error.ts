import { OmicslakeError } from "@omicslake/core";

/**
 * The entity's view does not exist yet (nothing was ever loaded into the serving database), or an
 * older release loaded it without the columns this one reads (`stale`).
 */
export class EntityNotLoadedError extends OmicslakeError {
  constructor(entity: string, cause?: unknown, stale = false) {
    super(
      "not_loaded",
      stale
        ? `the ${entity} records in the serving database were loaded by an older release and lack the columns this server reads`
        : `no ${entity} records have been loaded into the serving database`,
      {
        details: { entity },
        hint: stale
          ? 'Run "omicslake load" again to reload them'
          : 'Run "omicslake load" after consolidation',
        cause,
      },
    );
  }
}
