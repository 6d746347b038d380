import { redactUrl } from "@omicslake/core";
import type { HttpClient } from "../../fetch/http-client.js";
import { UpstreamError, UpstreamListingError } from "../../upstream-error.js";
import { VERSIONED_ACCESSION } from "./genome-files.js";

/** What sync needs of one assembly of an NCBI Datasets `dataset_report`. */
export interface AssemblyReport {
  /** `GCF_000001405.40`. */
  readonly accession: string;
  readonly organismName: string;
  /** `Complete Genome`, `Chromosome`, `Scaffold` or `Contig`. */
  readonly assemblyLevel?: string;
  /** `reference genome`, `representative genome`, or none. */
  readonly refseqCategory?: string;
  /** ISO date, `2022-02-03`. */
  readonly releaseDate?: string;
}

/** The assembly levels a dataset may keep, as the API's `filters.assembly_level` spells them. */
export const ASSEMBLY_LEVELS = ["complete_genome", "chromosome", "scaffold", "contig"] as const;
export const ASSEMBLY_SOURCES = ["refseq", "genbank", "all"] as const;

export interface AssemblyQuery {
  /** The API base, ending in `/` (`https://api.ncbi.nlm.nih.gov/datasets/v2/`). */
  readonly apiUrl: string;
  /** Sent as the `api-key` header, never in the URL: URLs end up in logs and run records. */
  readonly apiKey?: string;
  readonly pageSize: number;
  readonly assemblyLevels?: readonly string[];
  readonly assemblySource?: string;
}

/** Accessions per `genome/accession/…` request: the list is part of the URL path. */
const ACCESSIONS_PER_REQUEST = 100;
const MAX_REPORT_PAGE_BYTES = 256 * 1024 * 1024;

/** Every current assembly of a taxon (a name or a taxid) that passes the level and source filters, page by page. */
export async function listTaxonAssemblies(
  http: HttpClient,
  query: AssemblyQuery,
  taxon: string | number,
): Promise<AssemblyReport[]> {
  const url = new URL(`genome/taxon/${encodeURIComponent(String(taxon))}/dataset_report`, query.apiUrl);
  for (const level of query.assemblyLevels ?? []) url.searchParams.append("filters.assembly_level", level);
  if (query.assemblySource !== undefined)
    url.searchParams.set("filters.assembly_source", query.assemblySource);
  const reports = await allPages(http, query, url);
  if (reports.length === 0) {
    throw new UpstreamError(`NCBI Datasets has no assemblies for taxon ${JSON.stringify(taxon)}`, {
      details: { taxon, url: redactUrl(url.href) },
      hint: "Check the taxon's spelling (a scientific name or a taxid) and the assembly_level / assembly_source filters",
    });
  }
  return reports;
}

/**
 * The reports of explicitly listed accessions (versioned or not); an accession NCBI does not know is an
 * error naming it, before anything is downloaded.
 */
export async function listAccessionAssemblies(
  http: HttpClient,
  query: AssemblyQuery,
  accessions: readonly string[],
): Promise<AssemblyReport[]> {
  const found: AssemblyReport[] = [];
  for (let start = 0; start < accessions.length; start += ACCESSIONS_PER_REQUEST) {
    const batch = accessions.slice(start, start + ACCESSIONS_PER_REQUEST);
    const url = new URL(
      `genome/accession/${batch.map(encodeURIComponent).join("%2C")}/dataset_report`,
      query.apiUrl,
    );
    found.push(...(await allPages(http, query, url)));
  }
  const matches = (asked: string, report: AssemblyReport): boolean =>
    report.accession === asked || (!asked.includes(".") && report.accession.startsWith(`${asked}.`));
  const missing = accessions.filter((asked) => !found.some((report) => matches(asked, report)));
  if (missing.length > 0) {
    throw new UpstreamError(`NCBI Datasets knows no assembly ${missing.join(", ")}`, {
      details: { accessions: missing },
      hint: "Check the accessions (GCF_/GCA_ and nine digits, with or without .version) in the dataset's accessions",
    });
  }
  return found;
}

async function allPages(http: HttpClient, query: AssemblyQuery, first: URL): Promise<AssemblyReport[]> {
  const reports: AssemblyReport[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const url = new URL(first);
    url.searchParams.set("page_size", String(query.pageSize));
    if (token !== undefined) url.searchParams.set("page_token", token);
    const page = parseReportPage(await getJson(http, url.href, query.apiKey), url.href);
    reports.push(...page.reports);
    if (page.nextPageToken === undefined) return reports;
    // A server that hands out the same token twice would page forever.
    if (seenTokens.has(page.nextPageToken)) {
      throw new UpstreamListingError(
        `${redactUrl(url.href)} gave page token ${page.nextPageToken} a second time`,
        { details: { url: redactUrl(url.href), token: page.nextPageToken }, hint: "Rerun later" },
      );
    }
    seenTokens.add(page.nextPageToken);
    token = page.nextPageToken;
  }
}

/** One page of a `dataset_report` answer: `{ reports: [...], next_page_token?, total_count }`. */
export function parseReportPage(
  json: unknown,
  url: string,
): { reports: AssemblyReport[]; nextPageToken?: string } {
  const invalid = (what: string): UpstreamListingError =>
    new UpstreamListingError(`${redactUrl(url)}: not an NCBI Datasets assembly report (${what})`, {
      details: { url: redactUrl(url) },
      hint: "Check the source's url: it should be the NCBI Datasets v2 API base (https://api.ncbi.nlm.nih.gov/datasets/v2/)",
    });
  if (!isRecord(json)) throw invalid("the answer is not a JSON object");
  const rawReports = json["reports"] ?? [];
  if (!Array.isArray(rawReports)) throw invalid("reports is not a list");
  const reports = rawReports.map((raw, index) => {
    const organism = isRecord(raw) ? raw["organism"] : undefined;
    const info = isRecord(raw) && isRecord(raw["assembly_info"]) ? raw["assembly_info"] : {};
    const accession = isRecord(raw) ? raw["accession"] : undefined;
    const organismName = isRecord(organism) ? organism["organism_name"] : undefined;
    if (typeof accession !== "string" || !VERSIONED_ACCESSION.test(accession)) {
      throw invalid(`report ${index + 1} has accession ${JSON.stringify(accession)}`);
    }
    if (typeof organismName !== "string" || organismName.trim() === "") {
      throw invalid(`report ${index + 1} (${accession}) has no organism.organism_name`);
    }
    const text = (value: unknown): string | undefined =>
      typeof value === "string" && value !== "" ? value : undefined;
    const level = text(info["assembly_level"]);
    const category = text(info["refseq_category"]);
    const released = text(info["release_date"]);
    return {
      accession,
      organismName,
      ...(level !== undefined ? { assemblyLevel: level } : {}),
      ...(category !== undefined ? { refseqCategory: category } : {}),
      ...(released !== undefined ? { releaseDate: released } : {}),
    } satisfies AssemblyReport;
  });
  const next = json["next_page_token"];
  return typeof next === "string" && next !== "" ? { reports, nextPageToken: next } : { reports };
}

/** A JSON answer, retried like any request; the API key travels in a header so no message can show it. */
async function getJson(http: HttpClient, url: string, apiKey: string | undefined): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (apiKey !== undefined) headers["api-key"] = apiKey;
  const text = await http.getText(url, MAX_REPORT_PAGE_BYTES, {
    headers,
    tooLargeHint: "Lower options.page_size",
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new UpstreamListingError(`${redactUrl(url)} did not answer JSON`, {
      details: { url: redactUrl(url), start: text.slice(0, 200) },
      hint: "Check the source's url: it should be the NCBI Datasets v2 API base",
      cause,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
