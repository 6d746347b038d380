import { z } from "zod";
import { bioprojectRecordSchemas } from "../bioproject/bioproject-records.js";
import { biosampleRecordSchemas } from "../biosample/biosample-records.js";
import { genbankRecordSchemas } from "../genbank/genbank-records.js";
import { geoRecordSchemas } from "../geo/geo-records.js";
import { pubmedRecordSchemas } from "../pubmed/pubmed-records.js";
import { sraRecordSchemas } from "../sra/sra-records.js";
import { sraAccessionsRecordSchemas } from "../sra-accessions/sra-accessions-records.js";

/** Every record kind the parsers emit, with its zod schema: the source of the Parquet and API schemas. */
export const RECORD_SCHEMAS = {
  ...sraRecordSchemas,
  ...geoRecordSchemas,
  ...biosampleRecordSchemas,
  ...bioprojectRecordSchemas,
  ...pubmedRecordSchemas,
  ...genbankRecordSchemas,
  ...sraAccessionsRecordSchemas,
} as const;

export type RecordKind = keyof typeof RECORD_SCHEMAS;
export const RECORD_KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[];

/** The JSON Schema (draft 2020-12) of each record kind. */
export function recordJsonSchemas(): Record<RecordKind, Record<string, unknown>> {
  const out = {} as Record<RecordKind, Record<string, unknown>>;
  for (const kind of RECORD_KINDS) {
    out[kind] = z.toJSONSchema(RECORD_SCHEMAS[kind], { unrepresentable: "any" });
  }
  return out;
}
