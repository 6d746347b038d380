import type { SourceConfig } from "@omicslake/core";
import {
  baseUrlOf,
  type SourceAdapter,
  type SourceListContext,
  type UpstreamFile,
} from "../source-adapter.js";
import { redactUrl } from "@omicslake/core";
import { SourceOptions } from "../source-options.js";
import { SourceConfigError, UpstreamListingError } from "../upstream-error.js";

const GEO_URL = "https://www.ncbi.nlm.nih.gov/geo/";
const EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/";
const ACCESSION = /^(GSE|GSM|GPL|GDS)\d+$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const GEO_ENTRY_TYPES = ["GSE", "GSM", "GPL", "GDS"] as const;

/** A calendar month, `{ year: "2024", month: "05" }`. */
export interface GeoMonth {
  readonly year: string;
  readonly month: string;
}

/**
 * The GEO accession of an Entrez `gds` uid, by NCBI's numbering: 1xxxxxxxx is a GPL, 2xxxxxxxx a GSE,
 * 3xxxxxxxx a GSM (the accession's number is the uid without its first digit), and uids below 10^8 are
 * GDS datasets. `200093374` → `GSE93374`.
 */
export function geoAccessionOfUid(uid: string): string | undefined {
  if (!/^\d+$/.test(uid)) return undefined;
  const n = Number(uid);
  if (n < 100_000_000) return `GDS${n}`;
  const prefix = { "1": "GPL", "2": "GSE", "3": "GSM" }[uid[0]!];
  return prefix && uid.length === 9 ? `${prefix}${Number(uid.slice(1))}` : undefined;
}

/** The months named by `months` (`["2024-05"]`) or the range `from`..`to` (`to` defaults to `from`). */
export function geoMonthsOf(options: SourceOptions): GeoMonth[] {
  const parse = (key: string, value: string): GeoMonth => {
    const match = MONTH.exec(value);
    if (!match) {
      throw new SourceConfigError(
        `geo option "${key}" is ${JSON.stringify(value)}, expected a month like "2024-05"`,
        {
          details: { key, value },
          hint: 'Write months as "YYYY-MM"',
        },
      );
    }
    return { year: match[1]!, month: match[2]! };
  };
  const months = options.strings("months").map((m) => parse("months", m));
  const from = options.string("from");
  if (from !== undefined) {
    const start = parse("from", from);
    const end = parse("to", options.string("to") ?? from);
    let y = Number(start.year);
    let m = Number(start.month);
    while (y * 12 + m <= Number(end.year) * 12 + Number(end.month)) {
      months.push({ year: String(y), month: String(m).padStart(2, "0") });
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  const seen = new Set<string>();
  return months.filter(
    (m) => !seen.has(`${m.year}-${m.month}`) && seen.add(`${m.year}-${m.month}`) !== undefined,
  );
}

interface ESearchAnswer {
  readonly esearchresult?: {
    readonly count?: string;
    readonly idlist?: readonly string[];
    readonly webenv?: string;
    readonly querykey?: string;
    readonly ERROR?: string;
  };
  readonly error?: string;
}

/**
 * GEO records as SOFT text from acc.cgi, chosen by accession (the dataset's `accessions`) and/or by
 * month of last update (E-utilities esearch on `db=gds` with `[MDAT]`, paged through the history server).
 * NCBI allows 3 requests/s, 10 with an API key; every E-utilities request carries `tool`, `email` and the key.
 *
 * Options: `months` (["2024-05"]) or `from`/`to`, `entry_types` (default GSE), `targ` (self, all, gsm,
 * gpl, gse; default all), `view` (brief, full; default brief), `page_size` (default 5000), `eutils_url`,
 * `tool` (default omicslake).
 *
 * acc.cgi sends no ETag or Last-Modified, so a fetched record counts as final (`immutable`): a record
 * updated later shows up again in a later month's search under that month's partition; an ingest with
 * `refresh` re-checks by content.
 */
export const geoSourceAdapter: SourceAdapter = {
  kind: "geo",
  defaultUrl: GEO_URL,
  defaultRequestsPerSecond: (source: SourceConfig) => (source.api_key ? 10 : 3),
  async *list(context): AsyncGenerator<UpstreamFile> {
    const options = new SourceOptions(context);
    const accUrl = new URL("query/acc.cgi", baseUrlOf(context.source, GEO_URL));
    const targ = options.string("targ") ?? "all";
    const view = options.string("view") ?? "brief";
    const file = (accession: string, month: GeoMonth | undefined): UpstreamFile => {
      const url = new URL(accUrl);
      url.search = new URLSearchParams({ acc: accession, targ, form: "text", view }).toString();
      return {
        url: url.href,
        name: month ? `${month.year}/${month.month}/${accession}.soft` : `accessions/${accession}.soft`,
        partition: month ? { year: month.year, month: month.month } : { accession },
        immutable: true,
      };
    };

    const accessions = context.data.accessions ?? [];
    const months = geoMonthsOf(options);
    if (accessions.length === 0 && months.length === 0) {
      throw new SourceConfigError("a geo dataset needs accessions or months", {
        details: { kind: "geo" },
        hint: 'Set accessions = ["GSE2034"] in the dataset, or options.months = ["2024-05"] (or options.from / options.to)',
      });
    }
    for (const accession of accessions) {
      if (!ACCESSION.test(accession)) {
        throw new SourceConfigError(`${JSON.stringify(accession)} is not a GEO accession`, {
          details: { accession },
          hint: "Use GSE…, GSM…, GPL… or GDS… accessions",
        });
      }
      yield file(accession, undefined);
    }
    const entryTypes = options.oneOf("entry_types", GEO_ENTRY_TYPES, ["GSE"]);
    for (const month of months) {
      for (const entryType of entryTypes) {
        for await (const accession of searchMonth(context, options, entryType, month))
          yield file(accession, month);
      }
    }
  },
};

/** Accessions of one entry type updated in one month, in the order esearch returns them. */
async function* searchMonth(
  context: SourceListContext,
  options: SourceOptions,
  entryType: string,
  month: GeoMonth,
): AsyncGenerator<string> {
  const eutils = options.string("eutils_url") ?? EUTILS_URL;
  const pageSize = options.positiveInteger("page_size", 5000);
  const lastDay = new Date(Date.UTC(Number(month.year), Number(month.month), 0)).getUTCDate();
  const term = `${entryType}[ETYP] AND ${month.year}/${month.month}/01:${month.year}/${month.month}/${lastDay}[MDAT]`;
  const common: Record<string, string> = {
    db: "gds",
    term,
    retmode: "json",
    usehistory: "y",
    tool: options.string("tool") ?? "omicslake",
  };
  if (context.source.email) common["email"] = context.source.email;
  if (context.source.api_key) common["api_key"] = context.source.api_key;

  let history: { webenv: string; querykey: string } | undefined;
  const seen = new Set<string>();
  for (let start = 0, count = Infinity; start < count; start += pageSize) {
    const params = new URLSearchParams({ ...common, retstart: String(start), retmax: String(pageSize) });
    // Later pages read the same result set from the history server, so they stay consistent with the first.
    if (history) {
      params.set("WebEnv", history.webenv);
      params.set("query_key", history.querykey);
    }
    const url = new URL("esearch.fcgi", eutils.endsWith("/") ? eutils : `${eutils}/`);
    url.search = params.toString();
    const text = await context.http.getText(url.href);
    let answer: ESearchAnswer;
    try {
      answer = JSON.parse(text) as ESearchAnswer;
    } catch (cause) {
      throw new UpstreamListingError(`esearch answer for ${term} is not JSON`, {
        details: { url: redactUrl(url), text: text.slice(0, 200) },
        cause,
        hint: "Check eutils_url",
      });
    }
    const result = answer.esearchresult;
    if (
      !result ||
      result.ERROR !== undefined ||
      answer.error !== undefined ||
      result.count === undefined ||
      !Array.isArray(result.idlist)
    ) {
      throw new UpstreamListingError(
        `esearch for ${term} failed: ${result?.ERROR ?? answer.error ?? "no esearchresult"}`,
        {
          details: { url: redactUrl(url) },
          hint: "Check the term, the API key and eutils_url",
        },
      );
    }
    count = Number(result.count);
    if (result.webenv && result.querykey) history ??= { webenv: result.webenv, querykey: result.querykey };
    const ids: readonly unknown[] = result.idlist;
    if (ids.length === 0) break;
    for (const uid of ids) {
      const accession = typeof uid === "string" ? geoAccessionOfUid(uid) : undefined;
      if (accession === undefined || seen.has(accession)) continue;
      seen.add(accession);
      yield accession;
    }
  }
}
