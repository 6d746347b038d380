/** Second words that mean "a species without a name yet": the rest of the name is what tells them apart. */
const UNNAMED = new Set(["sp.", "cf.", "aff.", "nr."]);

/**
 * The species of an organism name as NCBI reports it: the binomial (`Escherichia coli str. K-12` →
 * `Escherichia coli`), three words for a `Candidatus` name, and the whole name for an unnamed species
 * (`Bacillus sp. FJAT-14266`), since two of those are different organisms.
 */
export function speciesOfOrganism(organismName: string): string {
  const words = organismName.trim().split(/\s+/);
  const count = words[0] === "Candidatus" ? 3 : 2;
  if (words.length <= count || UNNAMED.has(words[count - 1]!)) return words.join(" ");
  return words.slice(0, count).join(" ");
}

/**
 * A species as a directory name: spaces become `_`, any character other than letters, digits, `.`, `_`
 * and `-` becomes `_`, runs of `_` collapse, runs of `-` collapse to one (`--` separates species from
 * accession in level 0 names), and leading or trailing `.`, `_`, `-` go (a leading dot would hide it).
 *
 * @example speciesDirectoryName("[Clostridium] innocuum") // "Clostridium_innocuum"
 */
export function speciesDirectoryName(species: string): string {
  const name = species
    .trim()
    .replace(/\s+/g, "_")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/-{2,}/g, "-")
    .replace(/^[._-]+|[._-]+$/g, "");
  return name === "" ? "unknown_species" : name;
}
