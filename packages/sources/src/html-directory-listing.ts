/** One entry of an HTML directory index (Apache or nginx autoindex, as NCBI's FTP-over-HTTPS serves). */
export interface DirectoryEntry {
  /** The link target as written, decoded; directories end in "/". */
  readonly href: string;
  /** The absolute URL of the entry. */
  readonly url: string;
  /** Exact size in bytes, when the listing shows bytes rather than "1.2M". */
  readonly size?: number;
}

/**
 * The entries of an HTML directory listing: every `<a href>` that points inside the listed directory
 * (parent links, sort links and absolute links elsewhere are dropped). Sizes are only kept when the
 * listing prints a plain byte count, because rounded sizes ("1.2M") cannot tell two versions apart.
 */
export function parseDirectoryListing(html: string, baseUrl: string): DirectoryEntry[] {
  const base = new URL(baseUrl);
  const entries = new Map<string, DirectoryEntry>();
  const anchor = /<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>[\s\S]*?<\/a>([^<\n]*)/gi;
  for (const match of html.matchAll(anchor)) {
    const raw = decodeEntities(match[1] ?? match[2] ?? match[3] ?? "");
    if (raw === "" || raw.startsWith("?") || raw.startsWith("#")) continue;
    let url: URL;
    try {
      url = new URL(raw, base);
    } catch {
      continue;
    }
    if (
      url.origin !== base.origin ||
      !url.pathname.startsWith(base.pathname) ||
      url.pathname === base.pathname
    )
      continue;
    const href = decodeURIComponent(url.pathname.slice(base.pathname.length));
    // Only direct children: "a/b" would be a link deeper than this listing.
    if (href.replace(/\/$/, "").includes("/")) continue;
    const sizeText = /\s(\d+)\s*$/.exec(match[4] ?? "");
    const size = sizeText && !href.endsWith("/") ? Number(sizeText[1]) : undefined;
    entries.set(href, { href, url: url.href, ...(size !== undefined ? { size } : {}) });
  }
  return [...entries.values()];
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
