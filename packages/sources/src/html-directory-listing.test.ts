import { describe, expect, it } from "vitest";
import { parseDirectoryListing } from "./html-directory-listing.js";

describe("parseDirectoryListing", () => {
  const base = "https://ftp.example.org/pubmed/baseline/";

  it("lists direct children with absolute URLs, keeping only exact byte sizes", () => {
    const html = `<html><body><h1>Index of /pubmed/baseline</h1><pre>
<a href="?C=N;O=D">Name</a>
<a href="/pubmed/">Parent Directory</a>
<a href="pubmed25n0001.xml.gz">pubmed25n0001.xml.gz</a>   2024-12-10 14:20   19M
<a href="pubmed25n0001.xml.gz.md5">pubmed25n0001.xml.gz.md5</a>   2024-12-10 14:20   60
<a href="sub%20dir/">sub dir/</a>   2024-12-10 14:20    -
<a href="https://elsewhere.example.org/x.gz">elsewhere</a>
<a href='deep/file.gz'>deep</a>
</pre></body></html>`;
    expect(parseDirectoryListing(html, base)).toEqual([
      { href: "pubmed25n0001.xml.gz", url: `${base}pubmed25n0001.xml.gz` },
      { href: "pubmed25n0001.xml.gz.md5", url: `${base}pubmed25n0001.xml.gz.md5`, size: 60 },
      { href: "sub dir/", url: `${base}sub%20dir/` },
    ]);
  });

  it("returns nothing for a page without links", () => {
    expect(parseDirectoryListing("<html>maintenance</html>", base)).toEqual([]);
  });
});
