/** Two files of one directory that hold the mates of paired-end reads. */
export interface ReadPair {
  readonly mate1: string;
  readonly mate2: string;
  /** The name with the mate token removed (`x_R1_001.fq` → `x_001.fq`): what the pair is called as one. */
  readonly stem: string;
}

/** What the pairing rule made of the file names of one directory. */
export interface PairingResult {
  readonly pairs: readonly ReadPair[];
  readonly singles: readonly string[];
  /** Names that could pair in more than one way; reported, never guessed. */
  readonly ambiguous: readonly { readonly name: string; readonly message: string }[];
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/**
 * How strongly a `1`/`2` at position `i` looks like a mate number: 3 after an `R` that starts a token
 * (`_R1`, `.R2`, `R1` at the start), 2 after `_` or `.` (`_1`, `.2`), 1 after anything else (`reads1`,
 * `sample2`); 0 — never a mate — when it is part of a longer number (`SRR100001`/`SRR100002`, `_001`/`_002`,
 * `_10`/`_20`): run accessions and lane numbers differ by one digit all the time.
 */
function mateRank(name: string, i: number): 0 | 1 | 2 | 3 {
  if (isDigit(name[i + 1]) || isDigit(name[i - 1])) return 0;
  const before = name[i - 1];
  if (before === "R" || before === "r") {
    const start = name[i - 2];
    if (start === undefined || !/[A-Za-z0-9]/.test(start)) return 3;
    return 1;
  }
  if (before === "_" || before === ".") return 2;
  return 1;
}

/** Positions of the name's own mate markers (rank 2 or 3), where a `1` or `2` says which mate a file is. */
function markerPositions(name: string, from: number): number[] {
  const positions: number[] = [];
  for (let i = from; i < name.length; i++) {
    if ((name[i] === "1" || name[i] === "2") && mateRank(name, i) >= 2) positions.push(i);
  }
  return positions;
}

/** `name` without the mate token at `i`: the digit, with its `R` and the separator before them. */
export function stripMateToken(name: string, i: number): string {
  let start = i;
  const rank = mateRank(name, i);
  if (rank === 3) start = i - 1;
  if (rank >= 2 && start > 0 && /[_.-]/.test(name[start - 1]!)) start -= 1;
  const stem = name.slice(0, start) + name.slice(i + 1);
  // A name that is nothing but the token ("R1.fq", "1.fq") keeps it: ".fq" would read as a hidden file.
  return stem === "" || stem.startsWith(".") || stem.startsWith("_") ? name : stem;
}

export interface PairingOptions {
  /**
   * Where in a name a mate number may be (default 0): level0 names carry the species before `--`, and a
   * `1`/`2` there (`Strain 1--SRR9.fq`, `Strain 2--SRR9.fq`) names two species, never two mates.
   */
  readonly mateFrom?: (name: string) => number;
}

interface Edge {
  readonly mate1: string;
  readonly mate2: string;
  readonly at: number;
  readonly rank: 1 | 2 | 3;
}

/**
 * Pairs the read files of one directory (names only, nothing is read). Two names form a candidate pair when
 * they have the same length and differ in exactly one character, a `1` in one and a `2` in the other, that
 * is not part of a longer number; so `.fastq.gz` never pairs with `.fq.gz`, nor `R1` with `r2`, nor the
 * single-end runs `SRR100001.fq` with `SRR100002.fq`. Candidates are ranked by how much the
 * differing digit looks like a mate number (see `mateRank`): `R` before it beats `_` or `.`, which beat
 * anything else. From the strongest rank down, a file with exactly one candidate left at that rank is paired
 * with it; a file with two or more at the same rank is ambiguous, and it and everything it could pair with
 * are reported. A weakest-rank candidate (`sample1_R1.fq` / `sample2_R1.fq`) is not taken when the names
 * carry a mate marker elsewhere: both are then the same mate of two different samples. Every other file is
 * single-end.
 *
 * @example pairReadFiles(["a_R1_001.fq", "a_R1_002.fq", "a_R2_001.fq", "a_R2_002.fq"]).pairs.length // 2
 */
export function pairReadFiles(names: readonly string[], options: PairingOptions = {}): PairingResult {
  const mateFrom = options.mateFrom ?? (() => 0);
  const unique = [...new Set(names)];
  // Each name with one `1` or `2` blanked: two names sharing a blanked form differ only there.
  const ones = new Map<string, string>();
  const edges: Edge[] = [];
  for (const name of unique) {
    for (let i = mateFrom(name); i < name.length; i++) {
      if (name[i] === "1" && mateRank(name, i) > 0)
        ones.set(`${name.slice(0, i)}\0${name.slice(i + 1)}`, name);
    }
  }
  for (const name of unique) {
    const from = mateFrom(name);
    for (let i = from; i < name.length; i++) {
      if (name[i] !== "2") continue;
      const rank = mateRank(name, i);
      if (rank === 0) continue;
      const mate1 = ones.get(`${name.slice(0, i)}\0${name.slice(i + 1)}`);
      if (mate1 === undefined) continue;
      if (rank === 1 && markerPositions(name, from).some((p) => p !== i)) continue;
      edges.push({ mate1, mate2: name, at: i, rank });
    }
  }

  const settled = new Set<string>();
  const pairs: ReadPair[] = [];
  const ambiguous: { name: string; message: string }[] = [];
  for (const rank of [3, 2, 1] as const) {
    const open = edges.filter((e) => e.rank === rank && !settled.has(e.mate1) && !settled.has(e.mate2));
    const byName = new Map<string, Edge[]>();
    for (const edge of open) {
      for (const name of [edge.mate1, edge.mate2]) {
        const list = byName.get(name);
        if (list === undefined) byName.set(name, [edge]);
        else list.push(edge);
      }
    }
    for (const edge of open) {
      if (settled.has(edge.mate1) || settled.has(edge.mate2)) continue;
      const group = connected(edge, byName);
      if (group.edges.length === 1) {
        pairs.push({ mate1: edge.mate1, mate2: edge.mate2, stem: stripMateToken(edge.mate1, edge.at) });
      } else {
        for (const name of group.names) {
          const others = group.names.filter((n) => n !== name);
          ambiguous.push({
            name,
            message: `could be the mate of more than one file (${others.join(", ")}): pairs are never guessed`,
          });
        }
      }
      for (const name of group.names) settled.add(name);
    }
  }
  const singles = unique.filter((name) => !settled.has(name));
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    pairs: pairs.sort((a, b) => byName(a.mate1, b.mate1)),
    singles: singles.sort(byName),
    ambiguous: ambiguous.sort((a, b) => byName(a.name, b.name)),
  };
}

/** The names and edges reachable from `start` through edges of the same rank. */
function connected(
  start: Edge,
  byName: ReadonlyMap<string, readonly Edge[]>,
): { names: string[]; edges: Edge[] } {
  const names = new Set<string>();
  const edges = new Set<Edge>();
  const queue = [start.mate1, start.mate2];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (names.has(name)) continue;
    names.add(name);
    for (const edge of byName.get(name) ?? []) {
      edges.add(edge);
      queue.push(edge.mate1, edge.mate2);
    }
  }
  return { names: [...names].sort(), edges: [...edges] };
}
