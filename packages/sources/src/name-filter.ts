/**
 * A dataset's `include` / `exclude` globs applied to upstream file names: `*` and `?` stay inside one
 * path segment, `**` crosses segments. A name is kept when it matches some include (or there are none)
 * and no exclude.
 *
 * @example nameFilter(["baseline/*"], ["**\/*0001.xml.gz"])("baseline/pubmed25n0002.xml.gz") // true
 */
export function nameFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (name: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return (name) => (inc.length === 0 || inc.some((re) => re.test(name))) && !exc.some((re) => re.test(name));
}

export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // "**/" also matches no directory at all.
        if (glob[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${out}$`);
}
