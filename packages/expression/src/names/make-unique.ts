/**
 * Unique names the way R's `make.unique(names, sep = ".")` gives them (and Seurat and scanpy's
 * `var_names_make_unique` follow): the first occurrence of a name keeps it; each later one gets `name.<n>`
 * with the smallest n, counting up from the last suffix given to that name, that is not a name already (in the
 * input or given before). So `LYZ, LYZ, LYZ.1` become `LYZ, LYZ.2, LYZ.1`, and making a vector unique twice
 * changes nothing the second time.
 */

/** One occurrence of a name that occurs more than once, by its position in the source order. */
export interface NameOccurrence {
  readonly index: number;
  readonly name: string;
}

/**
 * New names for the later occurrences of repeated names. `occurrences` are every occurrence of the names that
 * occur more than once, in source order; `isTaken` says whether a candidate is a name of the input (any
 * occurrence of any name). Only these occurrences and the candidates asked about are held in memory, so a
 * million barcodes with a few repeats cost a few entries, not a million.
 *
 * @example renameRepeats([{index: 0, name: "A"}, {index: 2, name: "A"}], (n) => n === "A") // Map {2 => "A.1"}
 */
export function renameRepeats(
  occurrences: Iterable<NameOccurrence>,
  isTaken: (candidate: string) => boolean,
  sep = ".",
): Map<number, string> {
  const renamed = new Map<number, string>();
  const given = new Set<string>();
  // The next suffix to try per name: R caches the first unused count per first occurrence.
  const nextSuffix = new Map<string, number>();
  for (const { index, name } of occurrences) {
    const next = nextSuffix.get(name);
    if (next === undefined) {
      nextSuffix.set(name, 1);
      continue;
    }
    let count = next;
    let candidate = `${name}${sep}${count}`;
    while (given.has(candidate) || isTaken(candidate)) {
      count++;
      candidate = `${name}${sep}${count}`;
    }
    given.add(candidate);
    renamed.set(index, candidate);
    nextSuffix.set(name, count + 1);
  }
  return renamed;
}

/**
 * R's `make.unique` on a whole vector.
 *
 * @example makeUnique(["LYZ", "CD3E", "LYZ"]) // ["LYZ", "CD3E", "LYZ.1"]
 */
export function makeUnique(names: readonly string[], sep = "."): string[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const occurrences: NameOccurrence[] = [];
  names.forEach((name, index) => {
    if ((counts.get(name) ?? 0) > 1) occurrences.push({ index, name });
  });
  const renamed = renameRepeats(occurrences, (candidate) => counts.has(candidate), sep);
  return names.map((name, index) => renamed.get(index) ?? name);
}
