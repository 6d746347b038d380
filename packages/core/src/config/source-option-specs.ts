/**
 * Every key a source's or dataset's `options` table may hold, per implemented source kind, with what
 * the adapter or the downloader does with it. The configuration loader refuses any other key (and any
 * value of the wrong type) with its file and line, so an option is either honoured or reported.
 */
export type OptionValueSpec =
  | { readonly type: "string"; readonly pattern?: RegExp; readonly example?: string }
  | { readonly type: "boolean" }
  | { readonly type: "positive-integer" }
  | { readonly type: "positive-number" }
  /** A name or a numeric id (a taxon: "Poaceae" or 4479). */
  | { readonly type: "string-or-integer" }
  | {
      readonly type: "strings";
      readonly oneOf?: readonly string[];
      readonly pattern?: RegExp;
      readonly example?: string;
    };

export interface OptionSpec {
  readonly value: OptionValueSpec;
  readonly meaning: string;
}

/** SRA, ENA and DDBJ study accessions: what an SRA dataset's `accessions` may name. */
export const SRA_STUDY_ACCESSION = /^[SED]RP\d+$/;

/** Which `[data.X] accessions` a source kind reads; other kinds have none to choose. */
export const DATASET_ACCESSIONS: Readonly<
  Record<string, { readonly pattern: RegExp; readonly what: string }>
> = {
  geo: { pattern: /^(GSE|GSM|GPL|GDS)\d+$/, what: "GEO accessions (GSE…, GSM…, GPL…, GDS…)" },
  sra: { pattern: SRA_STUDY_ACCESSION, what: "SRA study accessions (SRP…, ERP…, DRP…)" },
};

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Read by the downloader for every kind (`fetch/ingest-dataset.ts`). */
const DOWNLOAD_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  timeout_ms: {
    value: { type: "positive-number" },
    meaning: "inactivity timeout per request, in ms (default 60000)",
  },
  concurrency: { value: { type: "positive-integer" }, meaning: "files downloaded at once (default 2)" },
};

export const SOURCE_OPTION_SPECS: Readonly<Record<string, Readonly<Record<string, OptionSpec>>>> = {
  sra: {
    ...DOWNLOAD_OPTIONS,
    sets: {
      value: { type: "strings", oneOf: ["study", "sample", "experiment", "run", "submission"] },
      meaning: "Mirroring sets to fetch (default study, sample, experiment, run)",
    },
    mirroring: { value: { type: "boolean" }, meaning: "fetch the Mirroring batches (default true)" },
    accessions_tab: {
      value: { type: "boolean" },
      meaning: "fetch Metadata/SRA_Accessions.tab (default true)",
    },
  },
  geo: {
    ...DOWNLOAD_OPTIONS,
    months: {
      value: { type: "strings", pattern: MONTH, example: "2024-05" },
      meaning: "months of last update to search",
    },
    from: {
      value: { type: "string", pattern: MONTH, example: "2024-01" },
      meaning: "first month of a range",
    },
    to: {
      value: { type: "string", pattern: MONTH, example: "2024-06" },
      meaning: "last month of a range (default: from)",
    },
    entry_types: {
      value: { type: "strings", oneOf: ["GSE", "GSM", "GPL", "GDS"] },
      meaning: "entry types searched by month (default GSE)",
    },
    targ: {
      value: { type: "string", pattern: /^(self|all|gsm|gpl|gse)$/, example: "all" },
      meaning: "acc.cgi targ (default all)",
    },
    view: {
      value: { type: "string", pattern: /^(brief|full)$/, example: "brief" },
      meaning: "acc.cgi view (default brief)",
    },
    page_size: { value: { type: "positive-integer" }, meaning: "esearch page size (default 5000)" },
    eutils_url: { value: { type: "string" }, meaning: "E-utilities base URL" },
    tool: { value: { type: "string" }, meaning: "tool name sent to E-utilities (default omicslake)" },
  },
  biosample: {
    ...DOWNLOAD_OPTIONS,
    file: { value: { type: "string" }, meaning: "dump file under the base URL" },
  },
  bioproject: {
    ...DOWNLOAD_OPTIONS,
    file: { value: { type: "string" }, meaning: "dump file under the base URL" },
  },
  pubmed: {
    ...DOWNLOAD_OPTIONS,
    sets: {
      value: { type: "strings", oneOf: ["baseline", "updatefiles"] },
      meaning: "sets to fetch (default both)",
    },
  },
};

/** Why `value` does not fit `spec`, or undefined when it does. */
export function optionValueProblem(spec: OptionValueSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "positive-integer":
      return typeof value === "number" && Number.isInteger(value) && value > 0
        ? undefined
        : "must be a positive integer";
    case "positive-number":
      return typeof value === "number" && Number.isFinite(value) && value > 0
        ? undefined
        : "must be a positive number";
    case "string-or-integer":
      return (typeof value === "string" && value.trim() !== "") ||
        (typeof value === "number" && Number.isInteger(value) && value > 0)
        ? undefined
        : "must be a name or a positive integer id";
    case "string":
      if (typeof value !== "string") return "must be a string";
      return spec.pattern && !spec.pattern.test(value)
        ? `${JSON.stringify(value)} must look like ${JSON.stringify(spec.example ?? spec.pattern.source)}`
        : undefined;
    case "strings": {
      const values = typeof value === "string" ? [value] : value;
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string"))
        return "must be a list of strings";
      const bad = values.find(
        (v: string) =>
          (spec.oneOf !== undefined && !spec.oneOf.includes(v)) ||
          (spec.pattern !== undefined && !spec.pattern.test(v)),
      );
      if (bad === undefined) return undefined;
      return spec.oneOf
        ? `${JSON.stringify(bad)} must be one of ${spec.oneOf.join(", ")}`
        : `${JSON.stringify(bad)} must look like ${JSON.stringify(spec.example ?? spec.pattern?.source)}`;
    }
  }
}
