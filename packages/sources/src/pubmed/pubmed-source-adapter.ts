import { parseDirectoryListing } from "../html-directory-listing.js";
import { baseUrlOf, type SourceAdapter, type UpstreamFile } from "../source-adapter.js";
import { SourceOptions } from "../source-options.js";
import { UpstreamListingError } from "../upstream-error.js";

export const PUBMED_SETS = ["baseline", "updatefiles"] as const;

const DEFAULT_URL = "https://ftp.ncbi.nlm.nih.gov/pubmed/";
const PUBMED_FILE = /^(pubmed\d+n\d+)\.xml\.gz$/;

/**
 * PubMed's annual baseline and daily update files (`pubmed25n0001.xml.gz`), each checked against the
 * `.md5` file published next to it. Options: `sets` (default both). Base URL:
 * `https://ftp.ncbi.nlm.nih.gov/pubmed/`.
 */
export const pubmedSourceAdapter: SourceAdapter = {
  kind: "pubmed",
  defaultUrl: DEFAULT_URL,
  defaultRequestsPerSecond: () => undefined,
  async *list(context): AsyncGenerator<UpstreamFile> {
    const base = baseUrlOf(context.source, DEFAULT_URL);
    for (const set of new SourceOptions(context).oneOf("sets", PUBMED_SETS, PUBMED_SETS)) {
      const setUrl = new URL(`${set}/`, base).href;
      const entries = parseDirectoryListing(await context.http.getText(setUrl), setUrl);
      const md5s = new Map(entries.filter((e) => e.href.endsWith(".md5")).map((e) => [e.href, e.url]));
      const files = entries
        .filter((e) => PUBMED_FILE.test(e.href))
        .sort((a, b) => a.href.localeCompare(b.href));
      for (const entry of files) {
        const md5Url = md5s.get(`${entry.href}.md5`);
        yield {
          url: entry.url,
          name: `${set}/${entry.href}`,
          partition: { set, file: PUBMED_FILE.exec(entry.href)![1]! },
          ...(entry.size !== undefined ? { size: entry.size } : {}),
          ...(md5Url !== undefined ? { md5Url } : {}),
        };
      }
    }
  },
};

/** The digest in an NCBI `.md5` file: `MD5(pubmed25n0001.xml.gz)= <hex>` or `<hex>  <file>`. */
export function parseMd5File(text: string, url: string): string {
  const match = /\b([0-9a-f]{32})\b/i.exec(text);
  if (!match) {
    throw new UpstreamListingError(`${url} holds no MD5 digest`, {
      details: { url, text: text.slice(0, 200) },
      hint: 'The .md5 file next to a PubMed file should read "MD5(<file>)= <32 hex digits>"',
    });
  }
  return match[1]!.toLowerCase();
}
