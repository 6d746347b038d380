import { redactUrl } from "@omicslake/core";
import type { HttpClient } from "../../fetch/http-client.js";
import { parseDirectoryListing } from "../../html-directory-listing.js";
import { UpstreamError, UpstreamListingError } from "../../upstream-error.js";

/** An assembly's directory on NCBI's FTP site and the MD5s of its files, when it publishes them. */
export interface AssemblyDirectory {
  /** `https://ftp.ncbi.nlm.nih.gov/genomes/all/GCF/000/001/405/GCF_000001405.40_GRCh38.p14/`. */
  readonly url: string;
  /** `GCF_000001405.40_GRCh38.p14`: the prefix of every file name in it. */
  readonly name: string;
  /** File name → MD5 (from `md5checksums.txt`); undefined when the directory has none. */
  readonly md5s?: ReadonlyMap<string, string>;
}

/** The FTP directory that holds an assembly's directory: `{base}GCF/000/001/405/`. */
export function assemblyParentUrl(ftpBase: string, accession: string): string {
  const match = /^(GC[AF])_(\d{3})(\d{3})(\d{3})\.\d+$/.exec(accession);
  if (!match) throw new Error(`not a versioned assembly accession: ${accession}`);
  return new URL(`${match[1]}/${match[2]}/${match[3]}/${match[4]}/`, ftpBase).href;
}

/**
 * Finds an assembly's FTP directory: its parent (`assemblyParentUrl`) is listed and the entry named
 * `{accession}_{assembly name}` taken, so the assembly name never has to be rebuilt from the report (NCBI
 * rewrites its spaces and punctuation). Undefined when the FTP site has no such directory (a 404, or no
 * entry): the caller decides whether that is an error.
 */
export async function findAssemblyDirectory(
  http: HttpClient,
  ftpBase: string,
  accession: string,
): Promise<AssemblyDirectory | undefined> {
  const parent = assemblyParentUrl(ftpBase, accession);
  let listing: string;
  try {
    listing = await http.getText(parent);
  } catch (error) {
    if (error instanceof UpstreamError && error.details["status"] === 404) return undefined;
    throw error;
  }
  const entry = parseDirectoryListing(listing, parent).find(
    (e) => e.href.startsWith(`${accession}_`) && e.href.endsWith("/"),
  );
  if (!entry) return undefined;
  const name = entry.href.slice(0, -1);
  return { url: entry.url, name, ...(await readMd5s(http, entry.url)) };
}

async function readMd5s(
  http: HttpClient,
  directoryUrl: string,
): Promise<{ md5s?: ReadonlyMap<string, string> }> {
  const url = new URL("md5checksums.txt", directoryUrl).href;
  let text: string;
  try {
    text = await http.getText(url);
  } catch (error) {
    // Old assembly directories lack the file; their downloads are then kept without a check.
    if (error instanceof UpstreamError && error.details["status"] === 404) return {};
    throw error;
  }
  return { md5s: parseMd5Checksums(text, url) };
}

/** `md5checksums.txt`: lines of `<md5>  ./<file name>`. */
export function parseMd5Checksums(text: string, url: string): Map<string, string> {
  const md5s = new Map<string, string>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-fA-F]{32})\s+\*?(?:\.\/)?(.+?)\s*$/.exec(line);
    if (!match) {
      throw new UpstreamListingError(
        `${redactUrl(url)} line ${index + 1}: expected "<md5>  ./<file>", got ${JSON.stringify(line.slice(0, 120))}`,
        {
          details: { url: redactUrl(url), line: index + 1 },
          hint: "The upstream's checksum file is damaged; rerun later",
        },
      );
    }
    md5s.set(match[2]!, match[1]!.toLowerCase());
  });
  return md5s;
}
