import { AccessionLinksError } from "./accession-links-error.js";
import {
  ACCESSION_TYPE_NAMES,
  accessionType,
  isAccessionType,
  normalizeAccession,
  type AccessionType,
} from "./accession-types.js";
import type { LinkReader } from "./link-reader.js";

/** How far a lookup walks by default: GSE → GSM → SRX → SRR is three links. */
export const DEFAULT_LINK_DEPTH = 3;
/** The deepest walk allowed; beyond it nearly everything is related to everything through shared projects. */
export const MAX_LINK_DEPTH = 6;
/** Related accessions one accession may reach in a call. */
export const DEFAULT_MAX_LINKED = 10_000;
/** Related accessions a batch may reach in all, whatever its size: what bounds a call's memory. */
export const MAX_LINKED_PER_CALL = 100_000;
/** Accessions one batch call may resolve. */
export const MAX_LINK_BATCH = 1000;

export interface ResolveLinksOptions {
  /** Links walked from each accession (1 to MAX_LINK_DEPTH, default 3). */
  readonly depth?: number;
  /** Only related accessions of these types are returned (every type is still walked through). */
  readonly types?: readonly string[];
  /**
   * Conversion (`gse-to-srr`): only the accessions of this type nearest to each accession, at the first
   * depth where any appears, and the walk stops there. Excludes `types`.
   */
  readonly to?: string;
  /**
   * Refuse with `result_too_large` beyond this many related accessions in all (default 10,000 per
   * accession asked, at most 100,000).
   */
  readonly maxLinked?: number;
}

export interface LinkedAccession {
  readonly accession: string;
  readonly type: AccessionType;
  /** Links walked from the accession asked for (1 = directly linked). */
  readonly depth: number;
  /** The relation of the last link of the path (`srx_srr`) and the curated field(s) it was read from. */
  readonly relation: string;
  readonly source: string;
  /** The accession asked for, every accession walked through, and this one. */
  readonly path: readonly string[];
}

export interface AccessionLinks {
  /** As stored (upper-case). */
  readonly accession: string;
  readonly type: AccessionType;
  readonly links: readonly LinkedAccession[];
}

export interface ResolvedLinks {
  /** One entry per accession asked for that the link table holds, in the order asked. */
  readonly found: readonly AccessionLinks[];
  /** Accessions asked for that no link mentions (as asked). */
  readonly missing: readonly string[];
}

/**
 * A platform is shared by thousands of unrelated series: walking through one would relate everything
 * to everything. Platforms are reached and listed, but the walk goes on from one only when it was asked for.
 */
const NOT_WALKED_THROUGH: ReadonlySet<AccessionType> = new Set(["gpl"]);

/**
 * A biological sample (SRS, BioSample) can be sequenced by many experiments, some in other series: walking
 * on from the sample would answer `GSM → SRR` with the runs of every experiment on that sample, not only the
 * GSM's own (pysradb goes GSM → SRX → SRR). Samples are reached and listed, and the walk goes on from one only
 * when it started at a sample (an SRS and its BioSample are the same sample).
 */
const SAMPLE_TYPES: ReadonlySet<AccessionType> = new Set(["srs", "biosample"]);

/**
 * Resolves each accession to every accession related to it within `depth` links (breadth first, a visited
 * set per accession, one read of the link table per level for all accessions together), each with its
 * type and the shortest path that links it. Ties between paths of the same length go to the smallest
 * accessions, so the answer is the same on every run.
 *
 * @example
 * const { found } = await resolveLinks(reader, ["GSE146537"], { to: "srr" });
 */
export async function resolveLinks(
  reader: LinkReader,
  accessions: readonly string[],
  options: ResolveLinksOptions = {},
): Promise<ResolvedLinks> {
  const { depth, types, to, starts } = checkLinkRequest(accessions, options);
  const maxLinked = options.maxLinked ?? Math.min(DEFAULT_MAX_LINKED * starts.length, MAX_LINKED_PER_CALL);

  interface Walk {
    readonly asked: string;
    readonly start: string;
    readonly type: AccessionType;
    readonly reached: Map<string, LinkedAccession>;
    frontier: string[];
    done: boolean;
    known: boolean;
  }
  const walks: Walk[] = starts.map(({ asked, accession, type }) => ({
    asked,
    start: accession,
    type,
    reached: new Map(),
    frontier: [accession],
    done: false,
    known: false,
  }));
  let total = 0;
  // Rows one level may read: every reached accession links back to where it came from, so a frontier
  // reads several links per accession it can add.
  const edgeLimit = Math.min(maxLinked * 10, 5 * MAX_LINKED_PER_CALL);

  for (let level = 1; level <= depth; level++) {
    const walking = walks.filter((w) => !w.done && w.frontier.length > 0);
    if (walking.length === 0) break;
    const expand = new Set<string>();
    for (const walk of walking)
      for (const node of walk.frontier) if (walksThrough(walk, node)) expand.add(node);
    if (expand.size === 0) break;
    const edges = await reader.edgesFrom([...expand].sort(), edgeLimit + 1);
    if (edges.length > edgeLimit) throw tooLarge(starts, level, maxLinked);
    // Sorted here, not by the database: the order decides which of two equally short paths is kept.
    edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to) || compare(a.relation, b.relation));
    const byFrom = new Map<string, typeof edges>();
    for (const edge of edges) {
      let list = byFrom.get(edge.from);
      if (!list) byFrom.set(edge.from, (list = []));
      list.push(edge);
    }
    for (const walk of walking) {
      if (level === 1) walk.known = byFrom.has(walk.start);
      const next: string[] = [];
      for (const node of [...walk.frontier].sort()) {
        if (!walksThrough(walk, node)) continue;
        const pathHere = node === walk.start ? [walk.start] : walk.reached.get(node)!.path;
        for (const edge of byFrom.get(node) ?? []) {
          if (edge.to === walk.start || walk.reached.has(edge.to)) continue;
          walk.reached.set(edge.to, {
            accession: edge.to,
            type: edge.toType,
            depth: level,
            relation: edge.relation,
            source: edge.source,
            path: [...pathHere, edge.to],
          });
          next.push(edge.to);
          if (++total > maxLinked) throw tooLarge(starts, level, maxLinked);
        }
      }
      walk.frontier = next;
      if (to !== undefined && next.some((a) => walk.reached.get(a)!.type === to)) walk.done = true;
    }
  }

  const found: AccessionLinks[] = [];
  const missing: string[] = [];
  for (const walk of walks) {
    if (!walk.known) {
      missing.push(walk.asked);
      continue;
    }
    let links = [...walk.reached.values()];
    if (to !== undefined) {
      const nearest = Math.min(...links.filter((l) => l.type === to).map((l) => l.depth));
      links = links.filter((l) => l.type === to && l.depth === nearest);
    } else if (types !== undefined) links = links.filter((l) => types.has(l.type));
    links.sort((a, b) => a.depth - b.depth || compare(a.type, b.type) || compare(a.accession, b.accession));
    found.push({ accession: walk.start, type: walk.type, links });
  }
  return { found, missing };

  function walksThrough(walk: Walk, node: string): boolean {
    if (node === walk.start) return true;
    const type = walk.reached.get(node)!.type;
    if (SAMPLE_TYPES.has(type)) return SAMPLE_TYPES.has(walk.type);
    return !NOT_WALKED_THROUGH.has(type);
  }
}

/**
 * Checks a lookup before anything is read (the CLI calls it before opening the lake): the depth, the
 * types, the accessions and their count. Throws `AccessionLinksError`; returns them normalized.
 */
export function checkLinkRequest(
  accessions: readonly string[],
  options: ResolveLinksOptions = {},
): {
  depth: number;
  types: ReadonlySet<AccessionType> | undefined;
  to: AccessionType | undefined;
  starts: { asked: string; accession: string; type: AccessionType }[];
} {
  const depth = checkDepth(options.depth ?? DEFAULT_LINK_DEPTH);
  const types = options.types === undefined ? undefined : new Set(options.types.map(checkType));
  const to = options.to === undefined ? undefined : checkType(options.to);
  if (to !== undefined && types !== undefined) {
    throw new AccessionLinksError("invalid_input", "a conversion (to) and a type filter cannot be combined", {
      details: { to, types: [...types] },
      hint: "Pass either `to` (the nearest accessions of one type) or `type` (every accession of those types)",
    });
  }
  return { depth, types, to, starts: checkAccessions(accessions) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkDepth(depth: number): number {
  if (!Number.isSafeInteger(depth) || depth < 1 || depth > MAX_LINK_DEPTH) {
    throw new AccessionLinksError(
      "invalid_input",
      `link depth must be a whole number from 1 to ${MAX_LINK_DEPTH}, got ${String(depth)}`,
      { details: { depth, max: MAX_LINK_DEPTH }, hint: `Pass a depth such as ${DEFAULT_LINK_DEPTH}` },
    );
  }
  return depth;
}

function checkType(type: string): AccessionType {
  const lower = type.trim().toLowerCase();
  if (!isAccessionType(lower)) {
    throw new AccessionLinksError(
      "invalid_input",
      `unknown accession type ${JSON.stringify(type.slice(0, 100))}`,
      {
        details: { type: type.slice(0, 100), types: ACCESSION_TYPE_NAMES },
        hint: `Use one of ${ACCESSION_TYPE_NAMES.join(", ")}`,
      },
    );
  }
  return lower;
}

function checkAccessions(
  accessions: readonly string[],
): { asked: string; accession: string; type: AccessionType }[] {
  if (accessions.length === 0 || accessions.length > MAX_LINK_BATCH) {
    throw new AccessionLinksError(
      "invalid_input",
      `give 1 to ${MAX_LINK_BATCH} accessions, got ${accessions.length}`,
      { details: { count: accessions.length, max: MAX_LINK_BATCH }, hint: "Split the list into batches" },
    );
  }
  const bad = accessions.filter((a) => accessionType(a) === undefined);
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).map((a) => a.slice(0, 100));
    throw new AccessionLinksError(
      "invalid_accession",
      `${bad.length === 1 ? "not an accession" : `${bad.length} values are not accessions`} of any linked kind: ${shown.map((a) => JSON.stringify(a)).join(", ")}`,
      {
        details: { invalid: shown, count: bad.length },
        hint: "Give SRA (SRP, SRX, SRR, SRS, SRA), GEO (GSE, GSM, GPL, GDS), BioSample (SAM…), BioProject (PRJ…) accessions or PubMed ids",
      },
    );
  }
  const seen = new Set<string>();
  const out: { asked: string; accession: string; type: AccessionType }[] = [];
  for (const asked of accessions) {
    const accession = normalizeAccession(asked);
    if (seen.has(accession)) continue;
    seen.add(accession);
    out.push({ asked, accession, type: accessionType(accession)! });
  }
  return out;
}

function tooLarge(
  starts: readonly { accession: string }[],
  level: number,
  maxLinked: number,
): AccessionLinksError {
  return new AccessionLinksError(
    "result_too_large",
    `more than ${maxLinked} related accessions within ${level} link(s) of ${starts.length === 1 ? starts[0]!.accession : `${starts.length} accessions`}`,
    {
      details: { depth: level, max: maxLinked, accessions: starts.slice(0, 10).map((s) => s.accession) },
      hint: "Ask for a smaller depth, fewer accessions at once, or one target type with `to`",
    },
  );
}
